using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using PaymentLinks.Tracking;
using Stripe;

namespace PaymentLinks.Tracking.Benchmarks;

/// <summary>
/// Verifies and reads a signed <c>checkout.session.completed</c> event built from Stripe's real Checkout Session
/// object: the parser against Stripe.net's <c>EventUtility.ConstructEvent</c>, and the floor every verifier pays, one
/// HMAC-SHA256 over the signed payload.
/// </summary>
[MemoryDiagnoser]
public class ParseWebhookBenchmarks
{
    private const string Secret = "whsec_benchmark_0123456789abcdef0123456789abcdef";

    // Wide enough for the whole run: both verifiers get the same window.
    private static readonly TimeSpan Tolerance = TimeSpan.FromHours(6);

    private PaymentLinkWebhookParser _parser = null!;
    private byte[] _payload = [];
    private string _payloadText = "";
    private string _header = "";
    private byte[] _key = [];
    private byte[] _signedPayload = [];

    [GlobalSetup]
    public void Setup()
    {
        var session = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkout_session.json")))!;
        session["status"] = "complete";
        session["payment_status"] = "paid";
        session["client_reference_id"] = "order-8f14e45f-ceea-467f-a0e6-3e6b1a5a9b2c";
        session["payment_link"] = "plink_1MoC3ULkdIwHu7ixZjtGpVl2";
        session["currency"] = "usd";
        session["amount_total"] = 4900;
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stripeEvent = new JsonObject
        {
            ["id"] = "evt_1NG8Du2eZvKYlo2CUI79vXWy",
            ["object"] = "event",
            ["api_version"] = "2026-08-27.basil",
            ["created"] = created,
            ["data"] = new JsonObject { ["object"] = session },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = "checkout.session.completed",
        };

        // Stripe sends webhook bodies pretty-printed.
        _payloadText = stripeEvent.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        _payload = Encoding.UTF8.GetBytes(_payloadText);
        _key = Encoding.UTF8.GetBytes(Secret);
        _signedPayload = Encoding.UTF8.GetBytes(created.ToString(CultureInfo.InvariantCulture) + "." + _payloadText);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(_key, _signedPayload));
        _header = $"t={created},v1={signature}";

        var options = new PaymentLinkWebhookOptions { Tolerance = Tolerance };
        options.SigningSecrets.Add(Secret);
        _parser = new PaymentLinkWebhookParser(options);

        // Both must accept the event, or the comparison means nothing.
        if (_parser.Parse(_payload, _header).Checkout?.ClientReferenceId is null || StripeNetConstructEvent().Id is null)
        {
            throw new InvalidOperationException("The benchmark event does not verify.");
        }
    }

    [Benchmark(Baseline = true, Description = "Stripe.net EventUtility.ConstructEvent")]
    public Event StripeNetConstructEvent() => EventUtility.ConstructEvent(
        _payloadText, _header, Secret, (long)Tolerance.TotalSeconds, throwOnApiVersionMismatch: false);

    [Benchmark(Description = "PaymentLinkWebhookParser.Parse (bytes)")]
    public PaymentLinkEvent ParserBytes() => _parser.Parse(_payload, _header);

    [Benchmark(Description = "PaymentLinkWebhookParser.Parse (string)")]
    public PaymentLinkEvent ParserString() => _parser.Parse(_payloadText, _header);

    [Benchmark(Description = "floor: HMACSHA256.HashData over the signed payload")]
    public byte[] HmacFloor() => HMACSHA256.HashData(_key, _signedPayload);
}
