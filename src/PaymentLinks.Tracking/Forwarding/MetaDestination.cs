using System.Net;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// Meta's Conversions API: <c>Purchase</c> events, up to 1,000 a request, to <c>{Endpoint}/{ApiVersion}/{PixelId}/events</c>
/// with the token in the body. <c>event_id</c> is the session id (a renewal's: its invoice's), so that Meta dedupes it
/// against the browser pixel's <c>eventID</c>; <c>custom_data.value</c> is without tax and shipping, as GA4's. An event older than 7 days never enters a batch (Meta would refuse the whole batch).
/// </summary>
internal sealed partial class MetaDestination(MetaForwardingOptions options, bool assumeConsent, TimeProvider? timeProvider = null) : ConversionDestination(timeProvider ?? TimeProvider.System)
{
    /// <summary>Meta refuses a batch holding an event older than 7 days.</summary>
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(7);

    /// <summary>The most events one request carries.</summary>
    public const int MaxBatch = 1000;

    // Meta's rate-limit and throttling codes: try again later.
    private static readonly HashSet<int> RetryCodes = [1, 2, 4, 17, 32, 613, 80004];

    public override ForwardingDestination Destination => ForwardingDestination.Meta;

    public override IReadOnlyCollection<ForwardingKind> Kinds { get; } = options.SendRenewals ? [ForwardingKind.Purchase, ForwardingKind.Renewal] : [ForwardingKind.Purchase];

    public override int MaxEventsPerRequest => MaxBatch;

    public override TimeSpan? MaxAge => MaxEventAge;

    protected override IEnumerable<string?> Secrets => [options.AccessToken];

    public override HttpRequestMessage CreateRequest(IReadOnlyList<OutboxRow> rows, DateTimeOffset now)
    {
        var url = $"{options.Endpoint.AbsoluteUri.TrimEnd('/')}/{options.ApiVersion}/{Uri.EscapeDataString(options.PixelId!)}/events";
        var request = new MetaRequest
        {
            Data = rows.Select(Event).ToList(),
            AccessToken = options.AccessToken!,
            TestEventCode = string.IsNullOrEmpty(options.TestEventCode) ? null : options.TestEventCode,
        };
        return new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonBody(JsonSerializer.SerializeToUtf8Bytes(request, ForwardingJson.Default.MetaRequest)),
        };
    }

    public MetaEvent Event(OutboxRow row)
    {
        var consent = row.ConsentGranted(assumeConsent);

        // "website" needs the browser's user agent and the page's URL, which only a consenting visit or click gives.
        var userAgent = row.ForwardedUserAgent;
        var pageUrl = row.ForwardedPageUrl;
        var website = consent && userAgent is not null && pageUrl is not null;
        return new MetaEvent
        {
            EventName = "Purchase",
            EventTime = row.OccurredAt.ToUnixTimeSeconds(),
            EventId = row.TransactionId,
            ActionSource = website ? "website" : "other",
            EventSourceUrl = website ? pageUrl : null,
            UserData = consent
                ? new MetaUserData
                {
                    Email = string.IsNullOrWhiteSpace(row.CustomerEmail) ? null : [Sha256Hex(row.CustomerEmail.Trim().ToLowerInvariant())],
                    ClientIpAddress = row.ForwardedClientIp,
                    ClientUserAgent = userAgent,
                    Fbp = row.ForwardedFbp,
                    Fbc = row.ForwardedFbc,
                }
                : new MetaUserData(),
            CustomData = new MetaCustomData
            {
                // GA4's definition, the same number: without tax and shipping.
                Value = CurrencyAmounts.MajorUnits(ForwardedMoney.Value(row), row.Currency),
                Currency = CurrencyAmounts.UpperCurrency(row.Currency),
                OrderId = row.TransactionId,
            },
        };
    }

    /// <summary>
    /// Meta's required fields, checked before a row enters a batch (one event Meta refuses fails the whole request):
    /// <c>user_data</c> needs at least one customer information parameter, and a <c>website</c> event needs
    /// <c>client_user_agent</c> and <c>event_source_url</c>.
    /// </summary>
    public override string? Unsendable(OutboxRow row)
    {
        var metaEvent = Event(row);
        var user = metaEvent.UserData;
        if (user.Email is null && user.ClientIpAddress is null && user.ClientUserAgent is null && user.Fbp is null && user.Fbc is null)
        {
            return row.ConsentGranted(assumeConsent)
                ? "Not sent to Meta: its user_data would hold no customer information parameter (no email, and neither the thank-you page nor a tracked link saw the buyer's browser), which Meta requires for every event."
                : "Not sent to Meta: the buyer's consent is not recorded, so user_data would hold no customer information parameter, which Meta requires for every event.";
        }

        if (metaEvent.ActionSource == "website" && (user.ClientUserAgent is null || metaEvent.EventSourceUrl is null))
        {
            return "Not sent to Meta: a website event requires client_user_agent and event_source_url.";
        }

        return null;
    }

    public override DestinationAnswer Interpret(HttpStatusCode status, string body, TimeSpan? retryAfter)
    {
        if ((int)status is >= 200 and < 300)
        {
            return DestinationAnswer.Sent;
        }

        MetaError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, ForwardingJson.Default.MetaResponse)?.Error;
        }
        catch (JsonException)
        {
            // Not Meta's error shape (a proxy's page): the status decides.
        }

        if (error is null)
        {
            return base.Interpret(status, body, retryAfter);
        }

        var message = Redact(
            $"Meta answered {(int)status}: {error.Type} {error.Code}{(error.ErrorSubcode is { } sub ? $"/{sub}" : string.Empty)}: {error.Message}{(string.IsNullOrEmpty(error.ErrorUserMessage) ? string.Empty : $" {error.ErrorUserTitle}: {error.ErrorUserMessage}")} (fbtrace_id {error.FbtraceId})");
        var transient = IsTransient(status) || error.IsTransient == true || (error.Code is { } code && RetryCodes.Contains(code));
        if (transient)
        {
            return DestinationAnswer.Retry(message, retryAfter);
        }

        // Code 100 is Graph's "Invalid parameter": the content of an event, not the token or the pixel. Meta refuses the
        // whole batch for it; its messages sometimes name the event by its path (data[3], $['data'][3]) or event_index.
        if (error.Code == InvalidParameter)
        {
            var named = EventIndex(error.ErrorUserMessage) ?? EventIndex(error.Message) ?? EventIndex(error.ErrorData?.ToString());
            return DestinationAnswer.Refused(message) with { ByOneEvent = true, EventIndex = named };
        }

        return DestinationAnswer.Refused(message);
    }

    private const int InvalidParameter = 100;

    private static int? EventIndex(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var match = EventPath().Match(text);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            ? index
            : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("""(?:data'?\]?\[|event_index"?\s*[:=]\s*)([0-9]{1,4})""", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex EventPath();
}
