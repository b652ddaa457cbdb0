using System.Net;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// Meta's Conversions API: <c>Purchase</c> events, up to 1,000 a request, to <c>{Endpoint}/{ApiVersion}/{PixelId}/events</c>
/// with the token in the body. <c>event_id</c> is the session id (a renewal's: its invoice's), so that Meta dedupes it
/// against the browser pixel's <c>eventID</c>; <c>custom_data.value</c> is without tax and shipping, as GA4's. An event older than 7 days never enters a batch (Meta would refuse the whole batch).
/// </summary>
internal sealed class MetaDestination(MetaForwardingOptions options, bool assumeConsent) : ConversionDestination
{
    /// <summary>Meta refuses a batch holding an event older than 7 days.</summary>
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(7);

    /// <summary>The most events one request carries.</summary>
    public const int MaxBatch = 1000;

    // Meta's rate-limit and throttling codes: try again later.
    private static readonly HashSet<int> RetryCodes = [1, 2, 4, 17, 32, 613, 80004];

    public override ForwardingDestination Destination => ForwardingDestination.Meta;

    public override string Name => "Meta";

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

        // "website" needs the browser's user agent and the page's URL, which only a consenting visit gives.
        var website = consent && row.UserAgent is not null && row.PageUrl is not null;
        return new MetaEvent
        {
            EventName = "Purchase",
            EventTime = row.OccurredAt.ToUnixTimeSeconds(),
            EventId = row.TransactionId,
            ActionSource = website ? "website" : "other",
            EventSourceUrl = website ? row.PageUrl : null,
            UserData = consent
                ? new MetaUserData
                {
                    Email = string.IsNullOrWhiteSpace(row.CustomerEmail) ? null : [Sha256Hex(row.CustomerEmail.Trim().ToLowerInvariant())],
                    ClientIpAddress = row.ClientIp,
                    ClientUserAgent = row.UserAgent,
                    Fbp = row.MetaBrowserCookie,
                    Fbc = row.MetaClickCookie,
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
            $"Meta answered {(int)status}: {error.Type} {error.Code}{(error.ErrorSubcode is { } sub ? $"/{sub}" : string.Empty)}: {error.Message} (fbtrace_id {error.FbtraceId})");
        var transient = IsTransient(status) || error.IsTransient == true || (error.Code is { } code && RetryCodes.Contains(code));
        return transient ? DestinationAnswer.Retry(message, retryAfter) : DestinationAnswer.Refused(message);
    }
}
