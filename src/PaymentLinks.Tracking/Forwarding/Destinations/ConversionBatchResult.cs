using System.Net;

namespace PaymentLinks.Tracking;

/// <summary>What a destination's answer to one batch means; see <see cref="IConversionDestination.SendAsync"/>.</summary>
public enum ConversionBatchStatus
{
    /// <summary>Every conversion of the batch was accepted: none is sent again.</summary>
    Accepted = 1,

    /// <summary>Nothing was accepted, for a passing reason (a timeout, a 5xx, a rate limit): the batch is tried again.</summary>
    Retry = 2,

    /// <summary>The batch was refused for good (a bad token, a malformed request): failed until retried by hand.</summary>
    Refused = 3,

    /// <summary>
    /// One conversion's content was refused and with it the whole batch (Meta, for one): that conversion fails alone and
    /// the others are sent again without it; found by its index when the answer names it, otherwise by splitting.
    /// </summary>
    EventRefused = 4,

    /// <summary>The answer says what became of each conversion: <see cref="ConversionBatchResult.Outcomes"/>.</summary>
    PerEvent = 5,
}

/// <summary>
/// What became of a batch a destination sent: all accepted, try again (with an optional wait), refused, one conversion
/// refused, or one outcome per conversion. Errors are stored and logged with the destination's secrets removed; never
/// put a customer's personal data in one.
/// </summary>
public sealed class ConversionBatchResult
{
    private const int MaxBodyLength = 500;

    private ConversionBatchResult(ConversionBatchStatus status, string? error, TimeSpan? retryAfter, int? eventIndex, IReadOnlyList<ConversionBatchResult>? outcomes)
    {
        Status = status;
        Error = error;
        RetryAfter = retryAfter;
        EventIndex = eventIndex;
        Outcomes = outcomes;
    }

    /// <summary>Gets every conversion accepted.</summary>
    public static ConversionBatchResult Accepted { get; } = new(ConversionBatchStatus.Accepted, null, null, null, null);

    /// <summary>Gets what the answer means.</summary>
    public ConversionBatchStatus Status { get; }

    /// <summary>Gets what went wrong; <see langword="null"/> when accepted.</summary>
    public string? Error { get; }

    /// <summary>Gets how long the destination asked to wait before the next try (its <c>Retry-After</c>), for a retry.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets the refused conversion's index in the batch, for <see cref="ConversionBatchStatus.EventRefused"/> when the answer names it.</summary>
    public int? EventIndex { get; }

    /// <summary>
    /// Gets, for <see cref="ConversionBatchStatus.PerEvent"/>, one outcome per conversion in the batch's order, each
    /// <see cref="ConversionBatchStatus.Accepted"/>, <see cref="ConversionBatchStatus.Retry"/> or
    /// <see cref="ConversionBatchStatus.Refused"/>.
    /// </summary>
    public IReadOnlyList<ConversionBatchResult>? Outcomes { get; }

    /// <summary>Nothing was accepted, for a passing reason: the batch is tried again after a backoff, or after <paramref name="retryAfter"/>.</summary>
    /// <param name="error">What went wrong (a status and the destination's message).</param>
    /// <param name="retryAfter">The wait the destination asked for, if any.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="error"/> is empty.</exception>
    public static ConversionBatchResult Retry(string error, TimeSpan? retryAfter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(ConversionBatchStatus.Retry, error, retryAfter is { } wait && wait < TimeSpan.Zero ? TimeSpan.Zero : retryAfter, null, null);
    }

    /// <summary>The batch was refused for good: each conversion fails with <paramref name="error"/>.</summary>
    /// <param name="error">Why (a status and the destination's message).</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="error"/> is empty.</exception>
    public static ConversionBatchResult Refused(string error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(ConversionBatchStatus.Refused, error, null, null, null);
    }

    /// <summary>
    /// One conversion's content made the destination refuse the whole batch: it fails alone with <paramref name="error"/>,
    /// and the others are sent again without it.
    /// </summary>
    /// <param name="error">Why.</param>
    /// <param name="index">The conversion's index in the batch when the answer names it; otherwise the batch is split until it is found.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="error"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    public static ConversionBatchResult EventRefused(string error, int? index = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        if (index is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(index));
        }

        return new(ConversionBatchStatus.EventRefused, error, null, index, null);
    }

    /// <summary>What became of each conversion, in the batch's order.</summary>
    /// <param name="outcomes">One per conversion: <see cref="Accepted"/>, a <see cref="Retry"/> or a <see cref="Refused"/>.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="outcomes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An outcome is <see langword="null"/> or neither accepted, a retry nor a refusal.</exception>
    public static ConversionBatchResult PerEvent(IReadOnlyList<ConversionBatchResult> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Any(o => o is null || o.Status is not (ConversionBatchStatus.Accepted or ConversionBatchStatus.Retry or ConversionBatchStatus.Refused)))
        {
            throw new ArgumentException("Each outcome is Accepted, a Retry or a Refused.", nameof(outcomes));
        }

        return new(ConversionBatchStatus.PerEvent, null, null, null, outcomes.ToArray());
    }

    /// <summary>
    /// Reads an HTTP status the usual way: 2xx accepted; 408, 429 and 5xx a retry; anything else refused. For a
    /// destination whose status tells the whole story; one that answers 200 with an error in the body reads the body.
    /// </summary>
    /// <param name="status">The answer's status.</param>
    /// <param name="body">The answer's body, quoted (shortened) in the error.</param>
    /// <param name="retryAfter">The answer's <c>Retry-After</c> as a wait, if any.</param>
    /// <returns>The result.</returns>
    public static ConversionBatchResult FromStatus(HttpStatusCode status, string? body, TimeSpan? retryAfter = null)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return Accepted;
        }

        var trimmed = body?.Trim() ?? string.Empty;
        var error = $"{code} {status}: {(trimmed.Length == 0 ? "(no body)" : trimmed.Length <= MaxBodyLength ? trimmed : trimmed[..MaxBodyLength] + "...")}";
        return IsTransient(status) ? Retry(error, retryAfter) : Refused(error);
    }

    /// <summary>Whether a status is worth another try: 408, 429 and 5xx.</summary>
    /// <param name="status">The status.</param>
    /// <returns><see langword="true"/> for a passing failure.</returns>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Describes the result.</summary>
    /// <returns>The status and the error.</returns>
    public override string ToString() => Error is null ? Status.ToString() : $"{Status}: {Error}";
}
