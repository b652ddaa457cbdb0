namespace PaymentLinks.Tracking;

/// <summary>What <see cref="IPaymentLinkLedger.RecordAsync"/> did with an event.</summary>
public enum LedgerRecordOutcome
{
    /// <summary>The event was new: it is stored, and its session merged, in one committed transaction.</summary>
    Stored = 1,

    /// <summary>An event with the same id was stored before; nothing changed.</summary>
    Duplicate,
}
