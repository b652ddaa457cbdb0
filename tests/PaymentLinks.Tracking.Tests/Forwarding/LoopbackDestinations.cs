using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using PaymentLinks.Tracking.Tests.StripeApi;

namespace PaymentLinks.Tracking.Tests.Forwarding;

/// <summary>
/// GA4's Measurement Protocol, Meta's Conversions API and a conversion webhook on one loopback server, answering in
/// their shapes: <c>/mp/collect</c> 204 whatever it receives, <c>/debug/mp/collect</c> <c>{"validationMessages":[]}</c>,
/// Meta <c>{"events_received":N,"messages":[],"fbtrace_id":"..."}</c>, the webhook 200 when its signature verifies and
/// 400 otherwise. <see cref="Override"/> replaces an answer (an error, a delay, a hang).
/// </summary>
internal sealed class LoopbackDestinations : IAsyncDisposable
{
    public const string MeasurementId = "G-LOOPBACK1";
    public const string ApiSecret = "loopbackApiSecret_0123456789";
    public const string PixelId = "1234567890";
    public const string AccessToken = "EAALoopbackAccessToken0123456789abcdefABCDEF";
    public const string WebhookSecret = "loopback-conversion-webhook-secret-0123456789";
    public const string WebhookPath = "/hooks/conversions";

    private readonly ConcurrentQueue<(ForwardingDestination Destination, RecordedRequest Request, int Status, DateTimeOffset At)> _answered = new();
    private readonly ConcurrentDictionary<ForwardingDestination, int> _counts = new();
    private readonly ConversionWebhookVerifier _verifier = new(WebhookSecret);

    public LoopbackDestinations() => Server = new LoopbackStripeServer(AnswerAsync);

    public LoopbackStripeServer Server { get; }

    /// <summary>When set, called with the destination and its request's number (from 1); an answer it gives replaces the usual one.</summary>
    public Func<ForwardingDestination, int, Task<StripeAnswer?>>? Override { get; set; }

    /// <summary>Replaces an answer from what was sent (e.g. Meta refusing a batch that holds one event); before <see cref="Override"/>.</summary>
    public Func<ForwardingDestination, RecordedRequest, StripeAnswer?>? OverrideByRequest { get; set; }

    /// <summary>What <c>/debug/mp/collect</c> answers.</summary>
    public string DebugAnswer { get; set; } = """{"validationMessages":[]}""";

    /// <summary>The requests that got an answer, with its status.</summary>
    public IReadOnlyList<(RecordedRequest Request, int Status, DateTimeOffset At)> Answered(ForwardingDestination destination) =>
        [.. _answered.Where(a => a.Destination == destination).Select(a => (a.Request, a.Status, a.At))];

    /// <summary>The bodies of the requests a destination answered 2xx, parsed.</summary>
    public IReadOnlyList<JsonObject> Accepted(ForwardingDestination destination) =>
        [.. Answered(destination).Where(a => a.Status is >= 200 and < 300).Select(a => JsonNode.Parse(a.Request.RawBody)!.AsObject())];

    /// <summary>Turns on the given destinations (all three when none is named) at this server.</summary>
    public void Configure(PaymentLinkForwardingOptions options, params ForwardingDestination[] destinations)
    {
        var on = destinations.Length == 0 ? [.. ForwardingDestination.BuiltIn] : destinations;
        var endpoint = new Uri(Server.ApiBase);
        if (on.Contains(ForwardingDestination.GoogleAnalytics))
        {
            options.GoogleAnalytics.MeasurementId = MeasurementId;
            options.GoogleAnalytics.ApiSecret = ApiSecret;
            options.GoogleAnalytics.Endpoint = endpoint;
        }

        if (on.Contains(ForwardingDestination.Meta))
        {
            options.Meta.PixelId = PixelId;
            options.Meta.AccessToken = AccessToken;
            options.Meta.Endpoint = endpoint;
        }

        if (on.Contains(ForwardingDestination.Webhook))
        {
            options.Webhook.Url = new Uri(Server.ApiBase + WebhookPath);
            options.Webhook.Secret = WebhookSecret;
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private async Task<StripeAnswer> AnswerAsync(RecordedRequest request)
    {
        var destination = request.Path.EndsWith("/mp/collect", StringComparison.Ordinal) ? ForwardingDestination.GoogleAnalytics
            : request.Path == WebhookPath ? ForwardingDestination.Webhook
            : ForwardingDestination.Meta;
        var number = _counts.AddOrUpdate(destination, 1, (_, count) => count + 1);
        var answer = OverrideByRequest?.Invoke(destination, request)
            ?? (Override is { } replace ? await replace(destination, number) : null)
            ?? Usual(destination, request);
        _answered.Enqueue((destination, request, answer.Status, DateTimeOffset.UtcNow));
        return answer;
    }

    private StripeAnswer Usual(ForwardingDestination destination, RecordedRequest request)
    {
        switch (destination.Name)
        {
            case "google_analytics":
                return request.Path.StartsWith("/debug/", StringComparison.Ordinal) ? new StripeAnswer(200, DebugAnswer) : new StripeAnswer(204, string.Empty);
            case "meta":
                var events = JsonNode.Parse(request.RawBody)!["data"]!.AsArray().Count;
                return new StripeAnswer(200, $$"""{"events_received":{{events}},"messages":[],"fbtrace_id":"ALoopbackTrace"}""");
            default:
                request.Headers.TryGetValue(ConversionWebhookVerifier.SignatureHeaderName, out var header);
                return _verifier.TryVerify(Encoding.UTF8.GetBytes(request.RawBody), header, out _, out var rejection)
                    ? new StripeAnswer(200, "{}")
                    : new StripeAnswer(400, $$"""{"rejection":"{{rejection}}"}""");
        }
    }

    /// <summary>Meta's error answer: <c>{"error":{"message","type","code","fbtrace_id"}}</c> with a 4xx or 5xx.</summary>
    public static StripeAnswer MetaError(int status, int code, string message, string type = "OAuthException", string? userTitle = null, string? userMessage = null)
    {
        var error = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = code, ["fbtrace_id"] = "AErrorTrace" };
        if (userMessage is not null)
        {
            error["error_subcode"] = 2804008;
            error["is_transient"] = false;
            error["error_user_title"] = userTitle;
            error["error_user_msg"] = userMessage;
        }

        return new(status, new JsonObject { ["error"] = error }.ToJsonString());
    }
}
