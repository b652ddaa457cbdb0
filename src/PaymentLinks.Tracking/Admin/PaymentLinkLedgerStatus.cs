namespace PaymentLinks.Tracking;

/// <summary>
/// The ledger's state at a moment, from <see cref="IPaymentLinkAdmin.GetStatusAsync"/>: the work waiting, what waits for a
/// person, and how far catch-up got. Every property has an <c>init</c> accessor, so a test or another implementation of
/// <see cref="IPaymentLinkAdmin"/> can make one.
/// </summary>
public sealed class PaymentLinkLedgerStatus
{
    /// <summary>Gets how many sessions wait for their fulfilment handler (due now or waiting for a retry).</summary>
    public long PendingSessions { get; init; }

    /// <summary>Gets how many sessions are parked: their handler failed every try.</summary>
    public long ParkedSessions { get; init; }

    /// <summary>
    /// Gets the catch-up watermark: the creation time of the newest event catch-up recorded, every older one being
    /// recorded; <see langword="null"/> before any catch-up recorded an event.
    /// </summary>
    public DateTimeOffset? CatchUpWatermark { get; init; }

    /// <summary>Gets how many events catch-up listed but could not read, kept for a person to look at.</summary>
    public long RefusedCatchUpEvents { get; init; }

    /// <summary>
    /// Gets how many conversions in the forwarding outbox are dead: every try failed (timeouts, 5xx, 429), and they wait
    /// for a person to retry them (<see cref="IPaymentLinkForwarding.RetryAllDeadAsync"/>). With the defaults a conversion is
    /// dead once its destination's window closed (GA4 72 hours, Meta 7 days, the webhook 3 days); 0 where forwarding was
    /// never configured.
    /// </summary>
    public long DeadConversions { get; init; }

    /// <summary>
    /// Gets how many conversions in the forwarding outbox a destination refused (a 4xx other than 429, such as a wrong
    /// access token): never tried again until a person retries them (<see cref="IPaymentLinkForwarding.RetryAsync"/>);
    /// 0 where forwarding was never configured.
    /// </summary>
    public long FailedConversions { get; init; }

    /// <summary>
    /// Gets how many thank-you visits of sessions the ledger does not know are kept, waiting for their session's event
    /// (at most <see cref="PaymentLinkLedgerOptions.MaxUnclaimedVisits"/>, each for at most
    /// <see cref="PaymentLinkLedgerOptions.UnclaimedVisitLifetime"/>).
    /// </summary>
    public long UnclaimedVisits { get; init; }

    /// <summary>
    /// Gets how long the oldest conversion waiting in the forwarding outbox (due, in backoff, or a refund waiting for its
    /// purchase) has waited since it was recorded; <see langword="null"/> when none waits. It grows through a
    /// destination's outage, and falls back once the destination answers again.
    /// </summary>
    public TimeSpan? OldestPendingConversionAge { get; init; }
}
