namespace PaymentLinks.Tracking;

/// <summary>Which Checkout Sessions the ledger fulfils and reports (<see cref="PaymentLinkLedgerOptions.Sessions"/>).</summary>
public enum PaymentLinkLedgerSessions
{
    /// <summary>Only sessions made by a payment link (with a <c>payment_link</c>); others are recorded and left alone.</summary>
    PaymentLinks = 0,

    /// <summary>Every Checkout Session, whatever code created it.</summary>
    All,
}
