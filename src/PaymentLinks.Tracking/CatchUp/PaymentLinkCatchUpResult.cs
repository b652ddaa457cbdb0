namespace PaymentLinks.Tracking;

/// <summary>What one <see cref="IPaymentLinkLedgerCatchUp.RunAsync"/> did. Constructible, so that a test can stand in for a run.</summary>
public sealed record PaymentLinkCatchUpResult
{
    /// <summary>Gets where the listing started: the <c>since</c> given, the watermark, or the first run's default.</summary>
    public DateTimeOffset Since { get; init; }

    /// <summary>Gets how many <c>checkout.session.*</c> events Stripe listed and the run could read (not counting <see cref="Refused"/>).</summary>
    public int Read { get; init; }

    /// <summary>Gets how many of them were new to the ledger and are now recorded.</summary>
    public int Recorded { get; init; }

    /// <summary>Gets how many of them the ledger had already (from a webhook or an earlier run).</summary>
    public int AlreadyRecorded { get; init; }

    /// <summary>
    /// Gets how many listed events could not be read as events. Each is kept in the ledger as refused, with its JSON and
    /// the reason, and logged once by its id; the run moves past it.
    /// </summary>
    public int Refused { get; init; }

    /// <summary>Gets the watermark after the run: the created time of the newest event catch-up recorded, if any.</summary>
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>
    /// Gets whether the run did nothing because another instance holds the catch-up lease; that instance is catching
    /// up now.
    /// </summary>
    public bool Skipped { get; init; }
}
