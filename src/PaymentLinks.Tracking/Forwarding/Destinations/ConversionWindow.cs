namespace PaymentLinks.Tracking;

/// <summary>
/// How long a destination takes a conversion: up to an age by the conversion's own time
/// (<see cref="MaxEventAge(TimeSpan)"/>, as ad platforms that refuse older events do), or for a while after it entered
/// the outbox (<see cref="RetryFor(TimeSpan)"/>). Past it, the conversion is not sent: too old when it was never tried,
/// dead after failed tries.
/// </summary>
public sealed record ConversionWindow
{
    /// <summary>
    /// How long before the edge of an age limit a conversion is given up: one claimed at the edge would be refused by
    /// the time it arrives. One hour.
    /// </summary>
    public static readonly TimeSpan SafetyMargin = TimeSpan.FromHours(1);

    private ConversionWindow(TimeSpan? maxAge, TimeSpan retryWindow)
    {
        MaxAge = maxAge;
        RetryWindow = retryWindow;
    }

    /// <summary>Gets the oldest a conversion may be, by its own time; <see langword="null"/> when the destination has no limit.</summary>
    public TimeSpan? MaxAge { get; }

    /// <summary>Gets, for a destination without an age limit, how long after a conversion entered the outbox it is still tried.</summary>
    public TimeSpan RetryWindow { get; }

    /// <summary>
    /// A destination that takes events up to <paramref name="maxAge"/> old by their own time (GA4: 72 hours, Meta: 7
    /// days): a conversion is given up <see cref="SafetyMargin"/> before that age.
    /// </summary>
    /// <param name="maxAge">The platform's documented limit; more than <see cref="SafetyMargin"/>.</param>
    /// <returns>The window.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxAge"/> is not more than <see cref="SafetyMargin"/>.</exception>
    public static ConversionWindow MaxEventAge(TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, SafetyMargin);
        return new ConversionWindow(maxAge, maxAge);
    }

    /// <summary>
    /// A destination that takes a conversion whatever its age: it is tried for <paramref name="window"/> after it
    /// entered the outbox (the webhook's is 3 days, as Stripe retries its own webhooks).
    /// </summary>
    /// <param name="window">How long to keep trying; positive.</param>
    /// <returns>The window.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    public static ConversionWindow RetryFor(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        return new ConversionWindow(null, window);
    }

    /// <summary>The last moment a conversion may be sent.</summary>
    /// <param name="occurredAt">The conversion's own time.</param>
    /// <param name="enqueuedAt">When it entered the outbox.</param>
    /// <returns><see cref="SafetyMargin"/> before it is <see cref="MaxAge"/> old, or <see cref="RetryWindow"/> after it was enqueued.</returns>
    public DateTimeOffset Deadline(DateTimeOffset occurredAt, DateTimeOffset enqueuedAt) =>
        MaxAge is { } maxAge ? occurredAt + maxAge - SafetyMargin : enqueuedAt + RetryWindow;
}
