namespace PaymentLinks.Tracking;

/// <summary>What <see cref="PaymentLinkWebhookReceiver.ReceiveAsync"/> did with a webhook request, and so how to answer it.</summary>
public enum PaymentLinkWebhookOutcome
{
    /// <summary>The event was verified and is now stored in the ledger: answer <c>200</c>.</summary>
    Stored = 1,

    /// <summary>The event was verified and had been stored before (Stripe delivered it again): answer <c>200</c>.</summary>
    Duplicate,

    /// <summary>
    /// The request was refused (see <see cref="PaymentLinkWebhookReceipt.Rejection"/>) and nothing was stored: answer
    /// <c>400</c>.
    /// </summary>
    Refused,

    /// <summary>
    /// The event was verified but the ledger could not store it (the database is down or refused the write): answer
    /// <c>503</c>, so that Stripe delivers it again.
    /// </summary>
    StoreUnavailable,

    /// <summary>
    /// The event was verified, but no ledger is registered, so nothing was stored: store the event yourself before you
    /// answer <c>200</c>. Register one with <c>.AddSqliteLedger(...)</c> or <c>.AddPostgreSqlLedger(...)</c>.
    /// </summary>
    NotStored,
}
