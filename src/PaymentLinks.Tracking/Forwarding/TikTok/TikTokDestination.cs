using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking;

/// <summary>
/// TikTok's Events API for web events, written on the public <see cref="IConversionDestination"/> as any destination of
/// a merchant's own: <c>POST {Endpoint}/open_api/v1.3/event/track/</c> with the token in the <c>Access-Token</c> header,
/// <c>{"event_source":"web","event_source_id":pixel,"data":[...]}</c>, one <c>CompletePayment</c> per purchase (and, when
/// asked, per renewal) with <c>event_id</c> and <c>order_id</c> the transaction's id. TikTok answers HTTP 200 with
/// <c>{"code":0,"message":"OK"}</c> when it accepts a request and a non-zero <c>code</c> when it does not: the body
/// decides, not the status.
/// </summary>
internal sealed class TikTokDestination(TikTokForwardingOptions options) : IConversionDestination
{
    /// <summary>The stored name.</summary>
    public const string DestinationName = "tiktok";

    /// <summary>
    /// The most events a request carries: 50. TikTok's own page of Events API limits could not be consulted; 50 is the
    /// batch the established server-side connectors send to <c>event/track</c> (Tealium's TikTok Events connector, for
    /// one, queues at most 50 events a request), and small enough that a partial success costs few single resends.
    /// </summary>
    public const int MaxBatch = 50;

    /// <summary>
    /// TikTok dedupes an Events API event against the pixel's with the same <c>event</c> and <c>event_id</c> within 48
    /// hours; one sent later could be counted twice, so it is not sent.
    /// </summary>
    public static readonly TimeSpan DedupWindow = TimeSpan.FromHours(48);

    /// <summary>TikTok's code for a request it accepted.</summary>
    public const int Ok = 0;

    // Codes TikTok answers in the body: 20001 a partial success (some events of the request were refused, unnamed),
    // 40100 too many requests and 40700 an error of its own (try again), 40001 and 40002 the token or its permission
    // (every event would be refused alike).
    private const int PartialSuccess = 20001;
    private const int RateLimited = 40100;
    private const int InternalError = 40700;
    private static readonly HashSet<int> CredentialCodes = [40001, 40002];

    public string Name => DestinationName;

    public int MaxBatchSize => MaxBatch;

    public ConversionWindow Window { get; } = ConversionWindow.MaxEventAge(DedupWindow);

    public IReadOnlyCollection<ForwardingKind> Kinds { get; } =
        options.SendRenewals ? [ForwardingKind.Purchase, ForwardingKind.Renewal] : [ForwardingKind.Purchase];

    public IReadOnlyCollection<string> Secrets { get; } = string.IsNullOrEmpty(options.AccessToken) ? [] : [options.AccessToken];

    /// <summary>
    /// Kept out when the event would carry nothing TikTok can match to a person: without the buyer's consent no
    /// identifier goes, and with it there may be no click, cookie, email nor visit.
    /// </summary>
    public string? WithheldBecause(ConversionEvent conversion)
    {
        ArgumentNullException.ThrowIfNull(conversion);
        if (User(conversion) is not null)
        {
            return null;
        }

        return conversion.ConsentGranted
            ? "Not sent to TikTok: there is no ttclid, _ttp cookie, email, IP address nor user agent to match the purchase to a person."
            : "Not sent to TikTok: the buyer's consent is not recorded, so no ttclid, _ttp cookie, email, IP address or user agent may go, and TikTok would have nothing to match the purchase to.";
    }

    public async Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(client);
        var (status, body, retryAfter) = await PostAsync(batch, client, cancellationToken).ConfigureAwait(false);
        if (batch.Count > 1 && Code(body) == PartialSuccess)
        {
            return await SendEachAloneAsync(batch, client, cancellationToken).ConfigureAwait(false);
        }

        return Read(status, body, retryAfter, batch.Count);
    }

    /// <summary>
    /// After a partial success (20001), which names no event: each event of the batch sent again alone, and each
    /// answer read on its own (0 accepted, a refusal code refused with TikTok's message, a retry code retried). The
    /// events TikTok took the first time are not counted twice: it dedupes on <c>event_id</c>, the transaction's id.
    /// Once one is put off (a rate limit, TikTok's own error, a timeout), the rest are put off with it, unsent; when the
    /// request's time runs out, the answers already read are kept and the rest put off.
    /// </summary>
    private async Task<ConversionBatchResult> SendEachAloneAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
    {
        var outcomes = new List<ConversionBatchResult>(batch.Count);
        ConversionBatchResult? putOff = null;
        foreach (var conversion in batch)
        {
            if (putOff is not null)
            {
                outcomes.Add(putOff);
                continue;
            }

            ConversionBatchResult outcome;
            try
            {
                var (status, body, retryAfter) = await PostAsync([conversion], client, cancellationToken).ConfigureAwait(false);
                outcome = Read(status, body, retryAfter, 1);
            }
            catch (HttpRequestException e) when (e is not ForwardingRedirectException)
            {
                outcome = ConversionBatchResult.Retry($"TikTok could not be reached after a partial success: {e.Message}");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && outcomes.Count > 0)
            {
                // The round's time ran out: what the single answers settled is kept, so that the next try does not
                // start the whole batch (and its partial success) over.
                outcome = ConversionBatchResult.Retry("TikTok: the request's time ran out while each event of a partial success (code 20001) was sent again alone.");
            }

            if (outcome.Status == ConversionBatchStatus.Retry)
            {
                putOff = outcome;
            }

            outcomes.Add(outcome.Status == ConversionBatchStatus.EventRefused ? ConversionBatchResult.Refused(outcome.Error!) : outcome);
        }

        return ConversionBatchResult.PerEvent(outcomes);
    }

    private async Task<(HttpStatusCode Status, string Body, TimeSpan? RetryAfter)> PostAsync(
        IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(batch);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, body, RetryAfter(response));
    }

    /// <summary>The request for <paramref name="batch"/>.</summary>
    public HttpRequestMessage CreateRequest(IReadOnlyList<ConversionEvent> batch)
    {
        var payload = new TikTokRequest
        {
            EventSourceId = options.PixelCode!,
            TestEventCode = string.IsNullOrEmpty(options.TestEventCode) ? null : options.TestEventCode,
            Data = batch.Select(Event).ToList(),
        };
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(payload, TikTokJson.Default.TikTokRequest));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Post, $"{options.Endpoint.AbsoluteUri.TrimEnd('/')}/open_api/v1.3/event/track/") { Content = content };
        request.Headers.TryAddWithoutValidation("Access-Token", options.AccessToken);
        return request;
    }

    /// <summary>One conversion as TikTok's web event.</summary>
    public static TikTokEvent Event(ConversionEvent conversion) => new()
    {
        Event = "CompletePayment",
        EventTime = conversion.OccurredAt.ToUnixTimeSeconds(),
        // The pixel's CompletePayment is given the same id (the thank-you page's session id), so TikTok keeps one.
        EventId = conversion.TransactionId,
        User = User(conversion) ?? new TikTokUser(),
        Page = conversion.ConsentGranted && (conversion.Visit?.PageUrl ?? conversion.Click?.LandingUrl) is { } url ? new TikTokPage { Url = url } : null,
        Properties = new TikTokProperties
        {
            Value = conversion.Value,
            Currency = conversion.CurrencyCode,
            OrderId = conversion.TransactionId,
        },
    };

    /// <summary>What identifies the buyer, only under consent; <see langword="null"/> when nothing does.</summary>
    private static TikTokUser? User(ConversionEvent conversion)
    {
        if (!conversion.ConsentGranted)
        {
            return null;
        }

        var user = new TikTokUser
        {
            Ttclid = Blank(conversion.Click?.Ttclid),
            Ttp = Blank(conversion.Click?.Ttp),
            // TikTok's normalisation: trimmed, lower-cased, then SHA-256.
            Email = string.IsNullOrWhiteSpace(conversion.Email) ? null : ConversionHashing.Sha256Email(conversion.Email),
            Ip = Blank(conversion.Visit?.IpAddress) ?? Blank(conversion.Click?.IpAddress),
            UserAgent = Blank(conversion.Visit?.UserAgent) ?? Blank(conversion.Click?.UserAgent),
        };
        return user is { Ttclid: null, Ttp: null, Email: null, Ip: null, UserAgent: null } ? null : user;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>
    /// What TikTok's answer means. The body's <c>code</c> decides: 0 accepted; 40100 (too many requests) and 40700
    /// (TikTok's own error) a retry; 40001 and 40002 (the token, its permission) refuse the whole batch; any other code
    /// is the content of an event, which TikTok does not name: the batch is split until the event is alone. 20001, a
    /// partial success, is never taken for the whole batch accepted: <see cref="SendAsync"/> sends each event of a larger
    /// batch again alone, and for a single event it is a refusal. A body that is not TikTok's (a proxy's page) is read by
    /// its status.
    /// </summary>
    public static ConversionBatchResult Read(HttpStatusCode status, string body, TimeSpan? retryAfter, int batchSize)
    {
        var answer = Parse(body);
        if (answer?.Code is not { } code)
        {
            return (int)status is >= 200 and < 300
                ? ConversionBatchResult.Retry($"TikTok answered {(int)status} without its code: {Shorten(body)}", retryAfter)
                : ConversionBatchResult.FromStatus(status, $"TikTok: {Shorten(body)}", retryAfter);
        }

        if (code is Ok)
        {
            return ConversionBatchResult.Accepted;
        }

        var message = $"TikTok answered {(int)status} with code {code}: {answer.Message} (request_id {answer.RequestId})";
        if (code is RateLimited or InternalError || ConversionBatchResult.IsTransient(status))
        {
            return ConversionBatchResult.Retry(message, retryAfter);
        }

        if (code is PartialSuccess)
        {
            // Some events were refused and TikTok does not say which: alone, the event is the one refused; in a batch
            // (SendAsync sends each event alone instead) it is found by splitting, never taken for accepted.
            return batchSize == 1 ? ConversionBatchResult.Refused(message) : ConversionBatchResult.EventRefused(message);
        }

        return CredentialCodes.Contains(code) || batchSize == 1
            ? ConversionBatchResult.Refused(message)
            : ConversionBatchResult.EventRefused(message);
    }

    private static int? Code(string body) => Parse(body)?.Code;

    private static TikTokResponse? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, TikTokJson.Default.TikTokResponse);
        }
        catch (JsonException)
        {
            // Not TikTok's shape: the status decides.
            return null;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static string Shorten(string body)
    {
        var trimmed = body.Trim();
        return trimmed.Length == 0 ? "(no body)" : trimmed.Length <= 300 ? trimmed : trimmed[..300] + "...";
    }
}

internal sealed class TikTokRequest
{
    [JsonPropertyName("event_source")]
    public string EventSource { get; init; } = "web";

    [JsonPropertyName("event_source_id")]
    public required string EventSourceId { get; init; }

    [JsonPropertyName("test_event_code")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TestEventCode { get; init; }

    [JsonPropertyName("data")]
    public required List<TikTokEvent> Data { get; init; }
}

internal sealed class TikTokEvent
{
    [JsonPropertyName("event")]
    public required string Event { get; init; }

    [JsonPropertyName("event_time")]
    public long EventTime { get; init; }

    [JsonPropertyName("event_id")]
    public required string EventId { get; init; }

    [JsonPropertyName("user")]
    public required TikTokUser User { get; init; }

    [JsonPropertyName("page")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TikTokPage? Page { get; init; }

    [JsonPropertyName("properties")]
    public required TikTokProperties Properties { get; init; }
}

internal sealed class TikTokUser
{
    [JsonPropertyName("ttclid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ttclid { get; init; }

    [JsonPropertyName("ttp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ttp { get; init; }

    [JsonPropertyName("email")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Email { get; init; }

    [JsonPropertyName("ip")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ip { get; init; }

    [JsonPropertyName("user_agent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? UserAgent { get; init; }
}

internal sealed class TikTokPage
{
    [JsonPropertyName("url")]
    public required string Url { get; init; }
}

internal sealed class TikTokProperties
{
    [JsonPropertyName("value")]
    public decimal Value { get; init; }

    [JsonPropertyName("currency")]
    public required string Currency { get; init; }

    [JsonPropertyName("order_id")]
    public required string OrderId { get; init; }
}

internal sealed class TikTokResponse
{
    [JsonPropertyName("code")]
    public int? Code { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("request_id")]
    public string? RequestId { get; init; }
}

[JsonSerializable(typeof(TikTokRequest))]
[JsonSerializable(typeof(TikTokResponse))]
internal sealed partial class TikTokJson : JsonSerializerContext;
