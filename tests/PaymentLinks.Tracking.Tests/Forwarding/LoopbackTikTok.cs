using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using PaymentLinks.Tracking.Tests.StripeApi;

namespace PaymentLinks.Tracking.Tests.Forwarding;

/// <summary>
/// TikTok's Events API on a loopback server in its shapes: <c>POST /open_api/v1.3/event/track/</c> with the
/// <c>Access-Token</c> header, answered HTTP 200 <c>{"code":0,"message":"OK","request_id":"..."}</c> when it takes the
/// request and HTTP 200 with a non-zero <c>code</c> when it does not (40001 for another token). Like TikTok, it counts an
/// <c>event_id</c> once however often it arrives (<see cref="Counted"/>) and records every arrival
/// (<see cref="Deliveries"/>). <see cref="Override"/> replaces an answer (an error, a hang).
/// </summary>
internal sealed class LoopbackTikTok : IAsyncDisposable
{
    public const string PixelCode = "C4LOOPBACK0123456789";
    public const string AccessToken = "loopbackTikTokAccessToken0123456789abcdef";
    public const string TrackPath = "/open_api/v1.3/event/track/";

    private readonly ConcurrentQueue<(RecordedRequest Request, int Status)> _answered = new();
    private readonly ConcurrentDictionary<string, int> _counted = new();
    private readonly ConcurrentDictionary<string, int> _deliveries = new();
    private int _count;

    public LoopbackTikTok() => Server = new LoopbackStripeServer(AnswerAsync);

    public LoopbackStripeServer Server { get; }

    public Uri Endpoint => new(Server.ApiBase);

    /// <summary>When set, called with the request's number (from 1) and the request; an answer it gives replaces the usual one.</summary>
    public Func<int, RecordedRequest, Task<StripeAnswer?>>? Override { get; set; }

    /// <summary>The event/track requests that reached the server, answered or not yet.</summary>
    public int Arrived => Server.Requests.Count(request => request.Path == TrackPath);

    /// <summary>The requests answered, with their status.</summary>
    public IReadOnlyList<(RecordedRequest Request, int Status)> Answered => [.. _answered];

    /// <summary>The <c>event_id</c>s TikTok took, each counted once however often it arrived.</summary>
    public IReadOnlyDictionary<string, int> Counted => _counted;

    /// <summary>How often each <c>event_id</c> arrived in a request TikTok took.</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _deliveries;

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private async Task<StripeAnswer> AnswerAsync(RecordedRequest request)
    {
        var answer = (Override is { } replace ? await replace(Interlocked.Increment(ref _count), request) : null) ?? Track(request);
        _answered.Enqueue((request, answer.Status));
        return answer;
    }

    private StripeAnswer Track(RecordedRequest request)
    {
        if (request.Path != TrackPath || request.Method != "POST")
        {
            return new StripeAnswer(404, """{"code":40400,"message":"Not found","request_id":"loopback"}""");
        }

        if (!request.Headers.TryGetValue("Access-Token", out var token) || token != AccessToken)
        {
            return new StripeAnswer(200, """{"code":40001,"message":"Access token is incorrect or has been revoked.","request_id":"loopback"}""");
        }

        foreach (var id in JsonNode.Parse(request.RawBody)!["data"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()))
        {
            _deliveries.AddOrUpdate(id, 1, (_, n) => n + 1);
            _counted.TryAdd(id, 1);
        }

        return new StripeAnswer(200, """{"code":0,"message":"OK","request_id":"loopback","data":{}}""");
    }
}
