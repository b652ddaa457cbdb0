namespace PaymentLinks.Tracking;

/// <summary>
/// How the ledger fulfils sessions: the lease, the retries and how often it looks for work. The engine packages' options
/// derive from it. Validated when the host starts.
/// </summary>
public class PaymentLinkLedgerOptions
{
    /// <summary>
    /// Gets or sets how long an instance holds a session while its fulfilment handler runs. The handler's cancellation
    /// token is canceled when it runs out, and another instance may then take the session over.
    /// </summary>
    /// <value>The default is 5 minutes; at least 1 second.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how many times the handler is tried for one session before the session is parked with the last
    /// error. A try whose process stopped mid-call counts too.
    /// </summary>
    /// <value>The default is 10; at least 1.</value>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// Gets or sets the delay before the second try; each later try's delay is twice the one before, up to
    /// <see cref="MaxRetryDelay"/>. The wait itself is a random time between zero and that delay (full jitter), so that
    /// sessions that failed together are not all retried at the same moment.
    /// </summary>
    /// <value>The default is 10 seconds; zero or more.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the cap on the doubled delay: no wait between two tries is longer.</summary>
    /// <value>The default is 1 hour; at least <see cref="RetryDelay"/>.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets how often the worker looks for due sessions when it has none. A session that becomes due through this
    /// process is taken at once; one recorded by another instance, or due for a retry, within this interval.
    /// </summary>
    /// <value>The default is 5 seconds; at least 10 milliseconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets whether this instance runs the fulfilment worker. Turn it off on instances that should only receive
    /// webhooks.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool RunFulfillment { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the ledger applies the schema scripts the database lacks when it is first used (at start-up).
    /// Turn it off where the application's login may not change the schema: start-up then only checks that the schema
    /// is current, and stops with a message naming the missing versions if not; apply them with the console sample's
    /// <c>migrate</c> (or print them for a DBA with <c>migrate --script</c>). Bound from
    /// <c>PaymentLinkTracking:Ledger:ApplyMigrations</c> in the samples.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>
    /// Gets or sets how long a session's personal data (the customer's email, the metadata, the last fulfilment error)
    /// is kept: a background task erases it from sessions first recorded longer ago, as
    /// <see cref="IPaymentLinkAdmin.EraseSessionAsync"/> does, leaving amounts, campaigns and counts. Checked every hour.
    /// </summary>
    /// <value>The default is <see langword="null"/>: kept until erased on request. At least 1 day when set.</value>
    public TimeSpan? PersonalDataRetention { get; set; }

    /// <summary>
    /// Gets or sets which Checkout Sessions are fulfilled and reported. Every session is recorded, so that nothing is
    /// lost; with <see cref="PaymentLinkLedgerSessions.PaymentLinks"/> a session that no payment link made (one created
    /// by other code, without <c>payment_link</c>) is neither fulfilled nor counted in the campaign report.
    /// Configured as <c>PaymentLinkTracking:Ledger:Sessions</c> in the samples.
    /// </summary>
    /// <value>The default is <see cref="PaymentLinkLedgerSessions.PaymentLinks"/>.</value>
    public PaymentLinkLedgerSessions Sessions { get; set; } = PaymentLinkLedgerSessions.PaymentLinks;

    /// <summary>
    /// Gets or sets how many thank-you visits of sessions the ledger does not know (yet: the webhook usually comes first,
    /// but not always) are kept at a time. Past it, such a visit is not recorded (<see cref="VisitOutcome.NotKept"/>),
    /// so that made-up session ids cannot fill the ledger. A visit stops counting when its session's event is recorded;
    /// one whose session no event claims within <see cref="UnclaimedVisitLifetime"/> is deleted. The count is
    /// <see cref="PaymentLinkLedgerStatus.UnclaimedVisits"/>.
    /// </summary>
    /// <value>The default is 10,000; at least 1.</value>
    public int MaxUnclaimedVisits { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets how long a thank-you visit of a session the ledger does not know is kept waiting for the session's
    /// event; older ones are deleted with what the page saw of the browser (when a visit arrives, and once an hour).
    /// </summary>
    /// <value>The default is 1 day; at least 1 minute.</value>
    public TimeSpan UnclaimedVisitLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets the lookback window of the attribution models: a paid session's touches are its visitor's clicks on
    /// tracked links made this long before the session, up to and including the click the session came from.
    /// </summary>
    /// <value>The default is 30 days; from 1 to 90 days.</value>
    public TimeSpan AttributionWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets or sets the half-life of <see cref="AttributionModel.TimeDecay"/>: a touch made this long before the session
    /// weighs half as much as one made at the session's time.
    /// </summary>
    /// <value>The default is 7 days; from 1 hour to 90 days.</value>
    public TimeSpan TimeDecayHalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The wait before the try after <paramref name="attempts"/> failed ones: a random time between zero and the
    /// doubled delay, capped (full jitter).
    /// </summary>
    internal TimeSpan RetryDelayAfter(int attempts, Random random) =>
        TimeSpan.FromTicks((long)(random.NextDouble() * RetryDelayCeilingAfter(attempts).Ticks));

    /// <summary>The longest wait before the try after <paramref name="attempts"/> failed ones: the doubled delay, capped.</summary>
    internal TimeSpan RetryDelayCeilingAfter(int attempts)
    {
        var delay = RetryDelay;
        for (var i = 1; i < attempts && delay < MaxRetryDelay; i++)
        {
            delay += delay;
        }

        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    /// <summary>The problems with these options, each naming its option; empty when they are valid.</summary>
    internal IEnumerable<string> Problems()
    {
        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            yield return $"{nameof(LeaseDuration)} must be at least 1 second (it is {LeaseDuration}).";
        }

        if (MaxAttempts < 1)
        {
            yield return $"{nameof(MaxAttempts)} must be at least 1 (it is {MaxAttempts}).";
        }

        if (RetryDelay < TimeSpan.Zero)
        {
            yield return $"{nameof(RetryDelay)} must not be negative (it is {RetryDelay}).";
        }

        if (MaxRetryDelay < RetryDelay)
        {
            yield return $"{nameof(MaxRetryDelay)} must be at least {nameof(RetryDelay)} (it is {MaxRetryDelay}).";
        }

        if (PersonalDataRetention is { } retention && retention < TimeSpan.FromDays(1))
        {
            yield return $"{nameof(PersonalDataRetention)} must be at least 1 day when set (it is {retention}).";
        }

        if (!Enum.IsDefined(Sessions))
        {
            yield return $"{nameof(Sessions)} must be {nameof(PaymentLinkLedgerSessions.PaymentLinks)} or {nameof(PaymentLinkLedgerSessions.All)} (it is {(int)Sessions}).";
        }

        if (MaxUnclaimedVisits < 1)
        {
            yield return $"{nameof(MaxUnclaimedVisits)} must be at least 1 (it is {MaxUnclaimedVisits}).";
        }

        if (UnclaimedVisitLifetime < TimeSpan.FromMinutes(1))
        {
            yield return $"{nameof(UnclaimedVisitLifetime)} must be at least 1 minute (it is {UnclaimedVisitLifetime}).";
        }

        if (AttributionWindow < TimeSpan.FromDays(1) || AttributionWindow > TimeSpan.FromDays(90))
        {
            yield return $"{nameof(AttributionWindow)} must be from 1 to 90 days (it is {AttributionWindow}).";
        }

        if (TimeDecayHalfLife < TimeSpan.FromHours(1) || TimeDecayHalfLife > TimeSpan.FromDays(90))
        {
            yield return $"{nameof(TimeDecayHalfLife)} must be from 1 hour to 90 days (it is {TimeDecayHalfLife}).";
        }

        if (PollInterval < TimeSpan.FromMilliseconds(10))
        {
            yield return $"{nameof(PollInterval)} must be at least 10 milliseconds (it is {PollInterval}).";
        }
    }
}
