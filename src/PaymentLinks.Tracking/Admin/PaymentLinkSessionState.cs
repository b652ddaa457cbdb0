namespace PaymentLinks.Tracking;

/// <summary>A session's fulfilment state, as <see cref="IPaymentLinkAdmin.ListSessionsAsync"/> selects it.</summary>
public enum PaymentLinkSessionState
{
    /// <summary>Paid and waiting for its fulfilment handler: due now, or waiting for its next try.</summary>
    Pending = 1,

    /// <summary>Given up after <see cref="PaymentLinkLedgerOptions.MaxAttempts"/> tries; waits for a person to retry it.</summary>
    Parked = 2,

    /// <summary>Fulfilled.</summary>
    Fulfilled = 3,
}
