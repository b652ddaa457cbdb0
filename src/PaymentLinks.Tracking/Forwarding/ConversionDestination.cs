using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PaymentLinks.Tracking;

/// <summary>
/// A built-in place conversions go (GA4, Meta, the webhook): how a request is made from claimed outbox rows, and what the
/// destination's answer means, on the same <see cref="IConversionDestination"/> a merchant's own destination implements.
/// The worker does the batching, the retries and the records.
/// </summary>
internal abstract partial class ConversionDestination(TimeProvider timeProvider) : IConversionDestination
{
    private const int MaxErrorLength = 1000;

    public abstract ForwardingDestination Destination { get; }

    /// <summary>The destination's name in messages.</summary>
    public string Name => Destination.DisplayName;

    string IConversionDestination.Name => Destination.Name;

    int IConversionDestination.MaxBatchSize => MaxEventsPerRequest;

    ConversionWindow IConversionDestination.Window => MaxAge is { } maxAge ? ConversionWindow.MaxEventAge(maxAge) : ConversionWindow.RetryFor(RetryWindow);

    /// <summary>The kinds of conversion it takes.</summary>
    public abstract IReadOnlyCollection<ForwardingKind> Kinds { get; }

    IReadOnlyCollection<string> IConversionDestination.Secrets => Secrets.Where(secret => !string.IsNullOrEmpty(secret)).Select(secret => secret!).ToArray();

    string? IConversionDestination.WithheldBecause(ConversionEvent conversion) => conversion.Row is { } row ? Unsendable(row) : null;

    /// <summary>
    /// Sends the batch's outbox rows as before: the request <see cref="CreateRequest"/> makes, the answer read by
    /// <see cref="Answer"/>. A conversion constructed by hand (without its row) is refused.
    /// </summary>
    public async Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
    {
        if (batch.Any(conversion => conversion.Row is null))
        {
            return ConversionBatchResult.Refused($"{Name} sends conversions from the outbox only.");
        }

        using var request = CreateRequest(batch.Select(conversion => conversion.Row!).ToList(), timeProvider.GetUtcNow());
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return Answer(response, body, timeProvider.GetUtcNow()).ToResult();
    }

    /// <summary>How many events one request carries at most.</summary>
    public virtual int MaxEventsPerRequest => 1;

    /// <summary>How old an event the destination accepts; <see langword="null"/> for any age.</summary>
    public virtual TimeSpan? MaxAge => null;

    /// <summary>
    /// How long before the edge of <see cref="MaxAge"/> a conversion is given up: one claimed at the edge would be refused
    /// by the time it arrives (and, at Meta, take its whole batch with it).
    /// </summary>
    public static readonly TimeSpan SafetyMargin = ConversionWindow.SafetyMargin;

    /// <summary>
    /// For a destination without an age limit, how long after a conversion entered the outbox it is still tried; the
    /// webhook's is 3 days, as Stripe retries its own webhooks.
    /// </summary>
    public virtual TimeSpan RetryWindow => TimeSpan.FromDays(3);

    /// <summary>
    /// The last moment <paramref name="row"/> may be sent: <see cref="SafetyMargin"/> before it is <see cref="MaxAge"/>
    /// old where the destination has an age limit, otherwise <see cref="RetryWindow"/> after it entered the outbox.
    /// </summary>
    public DateTimeOffset Deadline(OutboxRow row) =>
        MaxAge is { } maxAge ? row.OccurredAt + maxAge - SafetyMargin : row.EnqueuedAt + RetryWindow;

    /// <summary>
    /// Why the destination would refuse <paramref name="row"/> whatever the moment (a required field it cannot have), so
    /// that it is kept out of a request; <see langword="null"/> when it can be sent.
    /// </summary>
    public virtual string? Unsendable(OutboxRow row) => null;

    /// <summary>The named <see cref="HttpClient"/> its requests go through.</summary>
    public string HttpClientName => $"PaymentLinks.Tracking.Forwarding.{Destination}";

    /// <summary>The configured secrets, removed from every message the destination's answers put in the ledger or a log.</summary>
    protected abstract IEnumerable<string?> Secrets { get; }

    /// <summary>The request for these rows (at most <see cref="MaxEventsPerRequest"/>, none too old).</summary>
    public abstract HttpRequestMessage CreateRequest(IReadOnlyList<OutboxRow> rows, DateTimeOffset now);

    /// <summary>
    /// What an answer means. A redirect is never followed (the named clients' handlers do not follow one): it is
    /// refused with its <c>Location</c>, so that a moved or hijacked endpoint neither receives the conversion at another
    /// address nor passes for a success. Any other answer is read by <see cref="Interpret"/>.
    /// </summary>
    public DestinationAnswer Answer(HttpResponseMessage response, string body, DateTimeOffset now)
    {
        var code = (int)response.StatusCode;
        if (code is >= 300 and < 400)
        {
            var location = response.Headers.Location is { } target ? $"a redirect to {target.OriginalString}" : "a redirect without a Location";
            return DestinationAnswer.Refused(Redact(
                $"{Name} answered {code} {response.StatusCode}, {location}, which is not followed: set the destination's URL to the address that answers."));
        }

        return Interpret(response.StatusCode, body, RetryAfterHeader.Read(response, now));
    }

    /// <summary>What an answer other than a redirect means: sent, try again (timeouts, 5xx, 429 and the like), or refused.</summary>
    public virtual DestinationAnswer Interpret(HttpStatusCode status, string body, TimeSpan? retryAfter)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return DestinationAnswer.Sent;
        }

        var message = Redact($"{Name} answered {code} {status}: {Shorten(body)}");
        return IsTransient(status) ? DestinationAnswer.Retry(message, retryAfter) : DestinationAnswer.Refused(message);
    }

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>
    /// <paramref name="text"/> with the configured secrets, anything that looks like a Stripe key, and every
    /// <c>api_secret=</c> or <c>access_token=</c> value replaced, cut to a length a list can show.
    /// </summary>
    public string Redact(string text) => Redact(text, Secrets);

    /// <summary>
    /// <paramref name="text"/> with <paramref name="secrets"/>, anything that looks like a Stripe key, and every
    /// <c>api_secret=</c> or <c>access_token=</c> value replaced, cut to a length a list can show.
    /// </summary>
    public static string Redact(string text, IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, SecretRedaction.Replacement, StringComparison.Ordinal);
            }
        }

        text = SecretParameter().Replace(SecretRedaction.Redact(text, apiKey: null), "$1=" + SecretRedaction.Replacement);
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }

    protected static string Shorten(string body)
    {
        var trimmed = body.Trim();
        return trimmed.Length == 0 ? "(no body)" : trimmed.Length <= 500 ? trimmed : trimmed[..500] + "...";
    }

    /// <summary>SHA-256 of a UTF-8 string, lower-case hex.</summary>
    protected static string Sha256Hex(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();

    /// <summary>A JSON body of exactly these bytes.</summary>
    protected static ByteArrayContent JsonBody(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    [GeneratedRegex("(api_secret|access_token)=[^&\\s\"']+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();
}

/// <summary>What one request's answer means for its rows.</summary>
/// <param name="State">Sent, pending (try again) or failed (refused).</param>
/// <param name="Error">What went wrong, secrets redacted.</param>
/// <param name="RetryAfter">How long the destination asked to wait.</param>
/// <param name="IsRetry">Whether the rows are tried again.</param>
/// <param name="ByOneEvent">
/// Whether the refusal is of one event's content (the rest of the batch would be accepted without it): the worker
/// isolates that event, by <paramref name="EventIndex"/> when the destination names it, otherwise by splitting the batch.
/// </param>
/// <param name="EventIndex">The refused event's index in the request, when the destination names it.</param>
/// <param name="PerEvent">When the answer says what became of each event: one answer per row, in order.</param>
internal sealed record DestinationAnswer(
    ForwardingState State, string? Error, TimeSpan? RetryAfter, bool IsRetry, bool ByOneEvent = false, int? EventIndex = null, IReadOnlyList<DestinationAnswer>? PerEvent = null)
{
    public static readonly DestinationAnswer Sent = new(ForwardingState.Sent, null, null, false);

    /// <summary>The same answer as a destination's public result.</summary>
    public ConversionBatchResult ToResult() =>
        State == ForwardingState.Sent ? ConversionBatchResult.Accepted
        : IsRetry ? ConversionBatchResult.Retry(Error ?? "retry", RetryAfter)
        : ByOneEvent ? ConversionBatchResult.EventRefused(Error ?? "refused", EventIndex)
        : ConversionBatchResult.Refused(Error ?? "refused");

    /// <summary>
    /// What a destination's result means, its errors redacted by <paramref name="redact"/>; <see langword="null"/> for
    /// per-event outcomes that do not match the batch's size.
    /// </summary>
    public static DestinationAnswer From(ConversionBatchResult result, Func<string, string> redact) => result.Status switch
    {
        ConversionBatchStatus.Accepted => Sent,
        ConversionBatchStatus.Retry => Retry(redact(result.Error!), result.RetryAfter),
        ConversionBatchStatus.EventRefused => Refused(redact(result.Error!)) with { ByOneEvent = true, EventIndex = result.EventIndex },
        ConversionBatchStatus.PerEvent => new DestinationAnswer(
            ForwardingState.Pending, null, null, false, PerEvent: result.Outcomes!.Select(outcome => From(outcome, redact)).ToList()),
        _ => Refused(redact(result.Error!)),
    };

    public static DestinationAnswer Retry(string error, TimeSpan? retryAfter) => new(ForwardingState.Pending, error, retryAfter, true);

    public static DestinationAnswer Refused(string error) => new(ForwardingState.Failed, error, null, false);
}

/// <summary>Amounts in major units by the currency's exponent, as Stripe defines it.</summary>
internal static class CurrencyAmounts
{
    // Stripe's zero-decimal currencies: an amount is in whole units.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    // Stripe's three-decimal currencies.
    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "bhd", "jod", "kwd", "omr", "tnd" };

    public static int Exponent(string? currency) =>
        currency is null ? 2 : ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    /// <summary>4200 <c>usd</c> is 42.00; 4200 <c>jpy</c> is 4200.</summary>
    public static decimal MajorUnits(long? minorUnits, string? currency)
    {
        var exponent = Exponent(currency);
        var value = new decimal(minorUnits ?? 0);
        for (var i = 0; i < exponent; i++)
        {
            value /= 10m;
        }

        return decimal.Round(value, exponent);
    }

    public static string UpperCurrency(string? currency) => (currency ?? "XXX").ToUpperInvariant();
}

/// <summary>Reads <c>Retry-After</c> as a wait: seconds, or a date from now.</summary>
internal static class RetryAfterHeader
{
    public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
