namespace PaymentLinks.Tracking;

/// <summary>
/// How <see cref="IPaymentLinkLedgerCatchUp"/> runs: where a first run starts, its lease, and whether it runs in the
/// background. Set with <c>AddPaymentLinkCatchUp(...)</c>; validated when the host starts.
/// </summary>
public sealed class PaymentLinkCatchUpOptions
{
    /// <summary>
    /// Gets or sets whether each instance runs catch-up in the background, when the host starts and then every
    /// <see cref="Interval"/>. Every instance may: the lease lets one run at a time.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool RunInBackground { get; set; }

    /// <summary>Gets or sets the wait between two background runs.</summary>
    /// <value>The default is 1 hour; at least 1 second and less than Stripe's 30 days.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets how far back a run starts when the ledger has no watermark yet and no <c>since</c> is given.
    /// Stripe retries a webhook for up to 3 days, so older events were delivered or given up on long ago.
    /// </summary>
    /// <value>The default is 3 days; more than zero and at most Stripe's 30 days.</value>
    public TimeSpan InitialLookback { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// Gets or sets how long a run holds the catch-up lease without progress; it is extended with each page Stripe answers
    /// and each event recorded.
    /// A dead instance's lease runs out after it, and another instance may then catch up.
    /// </summary>
    /// <value>The default is 5 minutes; at least 1 second.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how far before the watermark each run starts reading again. Stripe lists events by creation time,
    /// and an event created just before the watermark can become visible after it moved; the ledger records each event
    /// once, so reading them again costs only the requests.
    /// </summary>
    /// <value>The default is 10 minutes; zero or more and less than Stripe's 30 days.</value>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The problems with these options, each naming its option; empty when they are valid.</summary>
    internal IEnumerable<string> Problems()
    {
        if (Interval < TimeSpan.FromSeconds(1) || Interval >= PaymentLinkEventCatchUp.EventRetention)
        {
            yield return $"{nameof(PaymentLinkCatchUpOptions)}.{nameof(Interval)} must be at least 1 second and less than 30 days (it is {Interval}).";
        }

        if (InitialLookback <= TimeSpan.Zero || InitialLookback > PaymentLinkEventCatchUp.EventRetention)
        {
            yield return $"{nameof(PaymentLinkCatchUpOptions)}.{nameof(InitialLookback)} must be more than zero and at most 30 days, as long as Stripe keeps events (it is {InitialLookback}).";
        }

        if (Overlap < TimeSpan.Zero || Overlap >= PaymentLinkEventCatchUp.EventRetention)
        {
            yield return $"{nameof(PaymentLinkCatchUpOptions)}.{nameof(Overlap)} must be zero or more and less than 30 days (it is {Overlap}).";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            yield return $"{nameof(PaymentLinkCatchUpOptions)}.{nameof(LeaseDuration)} must be at least 1 second (it is {LeaseDuration}).";
        }
    }
}
