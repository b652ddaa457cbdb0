using System.Text.Json.Nodes;
using PaymentLinks.Tracking.Tests.Webhooks;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// Events for one Checkout Session, made as Stripe sends them: the fixture session in an envelope, signed, then verified
/// and read by the parser.
/// </summary>
internal sealed class CheckoutEvents(string sessionId)
{
    private static readonly PaymentLinkWebhookParser Parser = SignedWebhooks.Parser();
    private static int _eventCount;

    public string SessionId { get; } = sessionId;

    public static CheckoutEvents ForNewSession() => new($"cs_test_{Guid.NewGuid():N}");

    public PaymentLinkEvent Completed(string paymentStatus = "paid", long? created = null) =>
        Event("checkout.session.completed", Session("complete", paymentStatus), created);

    public PaymentLinkEvent AsyncPaymentSucceeded(long? created = null) =>
        Event("checkout.session.async_payment_succeeded", Session("complete", "paid"), created);

    public PaymentLinkEvent AsyncPaymentFailed(long? created = null) =>
        Event("checkout.session.async_payment_failed", Session("complete", "unpaid"), created);

    public PaymentLinkEvent Expired(long? created = null) =>
        Event("checkout.session.expired", Session("expired", "unpaid"), created);

    public static PaymentLinkEvent Ignored() =>
        Read(SignedWebhooks.Envelope("customer.created", new JsonObject { ["id"] = "cus_1", ["object"] = "customer" }, NewEventId()));

    public static string NewEventId() => $"evt_test_{Environment.ProcessId}_{Interlocked.Increment(ref _eventCount)}_{Guid.NewGuid():N}"[..40];

    private JsonObject Session(string status, string paymentStatus)
    {
        var session = SignedWebhooks.CompletedSession(paymentStatus);
        session["id"] = SessionId;
        session["status"] = status;
        session["metadata"] = new JsonObject { ["utm_campaign"] = "spring_sale", ["plan"] = "pro" };
        return session;
    }

    /// <summary>A new event's body as Stripe sends it, unsigned.</summary>
    public byte[] Body(string type, string status, string paymentStatus) =>
        SignedWebhooks.Body(SignedWebhooks.Envelope(type, Session(status, paymentStatus), NewEventId()));

    private static PaymentLinkEvent Event(string type, JsonObject session, long? created) =>
        Read(SignedWebhooks.Envelope(type, session, NewEventId(), created));

    private static PaymentLinkEvent Read(JsonObject envelope)
    {
        var body = SignedWebhooks.Body(envelope);
        return Parser.Parse(body, SignedWebhooks.Header(body));
    }
}
