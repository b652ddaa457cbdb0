using System.Globalization;
using System.Text.Json.Nodes;
using PaymentLinks.Tracking.Tests.StripeApi;

namespace PaymentLinks.Tracking.Tests.CatchUp;

/// <summary>
/// Stripe's <c>GET /v1/events</c> over a set of events held in memory, on a <see cref="LoopbackStripeServer"/>: newest
/// first, filtered by <c>types[]</c> and <c>created[gte]</c>, paged by <c>limit</c> with <c>starting_after</c> (older)
/// or <c>ending_before</c> (the page just newer than the cursor) and <c>has_more</c> for the direction of travel.
/// </summary>
internal sealed class LoopbackEventsApi : IAsyncDisposable
{
    private readonly List<(JsonObject Event, int Order)> _events = [];
    private readonly Lock _lock = new();
    private int _requests;

    public LoopbackEventsApi() => Server = new LoopbackStripeServer(Answer);

    public LoopbackStripeServer Server { get; }

    /// <summary>When set, called with each request's number (from 1); an answer it gives replaces the list.</summary>
    public Func<int, StripeAnswer?>? Override { get; set; }

    /// <summary>Whether the server ignores <c>starting_after</c> and <c>ending_before</c>, answering the first page again.</summary>
    public bool IgnoresCursors { get; set; }

    /// <summary>Whether <c>types[]</c> filters the list; off to see how the caller treats a type it did not ask for.</summary>
    public bool FiltersTypes { get; set; } = true;

    /// <summary>Adds an event; among events of the same second, the one added later is the newer.</summary>
    public void Add(JsonObject stripeEvent)
    {
        lock (_lock)
        {
            _events.Add((stripeEvent, _events.Count));
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private StripeAnswer Answer(RecordedRequest request)
    {
        var number = Interlocked.Increment(ref _requests);
        if (Override?.Invoke(number) is { } replaced)
        {
            return replaced;
        }

        if (request.Method != "GET" || request.Path != "/v1/events")
        {
            return StripeAnswer.Error(404, "invalid_request_error", "resource_missing", "Unrecognized request URL.");
        }

        var query = request.Query;
        var types = query.AllKeys.Where(key => key!.StartsWith("types[", StringComparison.Ordinal)).Select(key => query[key]).ToHashSet();
        var since = query["created[gte]"] is { } gte ? long.Parse(gte, CultureInfo.InvariantCulture) : long.MinValue;
        var limit = query["limit"] is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : 10;

        List<JsonObject> listed;
        lock (_lock)
        {
            listed = _events
                .Where(e => (!FiltersTypes || types.Count == 0 || types.Contains((string)e.Event["type"]!))
                    && (long)e.Event["created"]! >= since)
                .OrderByDescending(e => (long)e.Event["created"]!)
                .ThenByDescending(e => e.Order)
                .Select(e => e.Event)
                .ToList();
        }

        List<JsonObject> page;
        bool hasMore;
        if (IgnoresCursors)
        {
            page = [.. listed.Take(limit)];
            hasMore = listed.Count > limit;
        }
        else if (query["starting_after"] is { } after)
        {
            var older = listed.SkipWhile(e => (string)e["id"]! != after).Skip(1).ToList();
            page = [.. older.Take(limit)];
            hasMore = older.Count > limit;
        }
        else if (query["ending_before"] is { } before)
        {
            var newer = listed.TakeWhile(e => (string)e["id"]! != before).ToList();
            page = [.. newer.Skip(Math.Max(0, newer.Count - limit))];
            hasMore = newer.Count > limit;
        }
        else
        {
            page = [.. listed.Take(limit)];
            hasMore = listed.Count > limit;
        }

        var data = new JsonArray();
        foreach (var stripeEvent in page)
        {
            data.Add(stripeEvent.DeepClone());
        }

        return StripeAnswer.Ok(new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["has_more"] = hasMore,
            ["url"] = "/v1/events",
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
