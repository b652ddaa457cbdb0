using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>The four ways a payment link's Checkout Session ends, as Stripe reports them.</summary>
internal enum Scenario
{
    /// <summary><c>checkout.session.completed</c> with <c>payment_status</c> paid.</summary>
    CompletedPaid,

    /// <summary>Completed unpaid (a delayed payment method), then <c>checkout.session.async_payment_succeeded</c>.</summary>
    AsyncSucceeded,

    /// <summary>Completed unpaid, then <c>checkout.session.async_payment_failed</c>.</summary>
    AsyncFailed,

    /// <summary><c>checkout.session.expired</c>.</summary>
    Expired,
}

/// <summary>One event as Stripe would send it: its id, its session and its body (signed when it is sent).</summary>
internal sealed record PlannedEvent(string EventId, string SessionId, string Type, long Created, byte[] Body);

/// <summary>A Checkout Session the run creates, its events, and the final state the ledger must show for it.</summary>
internal sealed record PlannedSession(string SessionId, string ClientReferenceId, Scenario Scenario, IReadOnlyList<PlannedEvent> Events)
{
    public bool Fulfillable => Scenario is Scenario.CompletedPaid or Scenario.AsyncSucceeded;

    public string ExpectedStatus => Scenario == Scenario.Expired ? "expired" : "complete";

    public string ExpectedPaymentStatus => Fulfillable ? "paid" : "unpaid";
}

/// <summary>
/// Makes sessions from the fixture session (<c>Fixtures/checkout_session.json</c>, a real Stripe answer), one scenario
/// after another, each event in Stripe's envelope with <c>created</c> increasing within its session.
/// </summary>
internal sealed class LoadSessions
{
    private const string ApiVersion = "2026-10-28.endive";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly JsonObject _fixture;
    private readonly string _runId;

    public LoadSessions(string runId)
    {
        _runId = runId;
        _fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkout_session.json")))!.AsObject();
    }

    /// <summary>Sessions numbered from <paramref name="first"/>, scenarios in turn, created from <paramref name="start"/> on.</summary>
    public List<PlannedSession> Create(int first, int count, DateTimeOffset start)
    {
        var sessions = new List<PlannedSession>(count);
        for (var i = first; i < first + count; i++)
        {
            var scenario = (Scenario)(i % 4);
            var sessionId = $"cs_test_{_runId}_{i:D7}";
            var reference = $"order_{_runId}_{i}";
            var created = start.ToUnixTimeSeconds() + (i - first) / 8;
            var events = scenario switch
            {
                Scenario.CompletedPaid => [Event(sessionId, reference, i, 1, "checkout.session.completed", "complete", "paid", created)],
                Scenario.AsyncSucceeded =>
                [
                    Event(sessionId, reference, i, 1, "checkout.session.completed", "complete", "unpaid", created),
                    Event(sessionId, reference, i, 2, "checkout.session.async_payment_succeeded", "complete", "paid", created + 90),
                ],
                Scenario.AsyncFailed =>
                [
                    Event(sessionId, reference, i, 1, "checkout.session.completed", "complete", "unpaid", created),
                    Event(sessionId, reference, i, 2, "checkout.session.async_payment_failed", "complete", "unpaid", created + 90),
                ],
                _ => new[] { Event(sessionId, reference, i, 1, "checkout.session.expired", "expired", "unpaid", created) },
            };
            sessions.Add(new PlannedSession(sessionId, reference, scenario, events));
        }

        return sessions;
    }

    private PlannedEvent Event(string sessionId, string reference, int session, int number, string type, string status, string paymentStatus, long created)
    {
        var checkout = _fixture.DeepClone().AsObject();
        checkout["id"] = sessionId;
        checkout["status"] = status;
        checkout["payment_status"] = paymentStatus;
        checkout["client_reference_id"] = reference;
        checkout["payment_link"] = "plink_1Pgc78B7WZ01zgkWC75kX0jg";
        checkout["currency"] = "usd";
        checkout["amount_total"] = 4200;
        checkout["created"] = created - 600;
        checkout["metadata"] = new JsonObject { ["utm_campaign"] = "load_test", ["plan"] = "pro" };
        var eventId = $"evt_{_runId}_{session:D7}_{number}";
        var envelope = new JsonObject
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["api_version"] = ApiVersion,
            ["created"] = created,
            ["data"] = new JsonObject { ["object"] = checkout },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        };
        return new PlannedEvent(eventId, sessionId, type, created, JsonSerializer.SerializeToUtf8Bytes(envelope, Indented));
    }
}
