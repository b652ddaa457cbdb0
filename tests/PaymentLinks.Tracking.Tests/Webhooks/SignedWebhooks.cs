using NUnit.Framework;
using Shouldly;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>
/// Builds webhook requests as Stripe sends them: events wrapped around the fixtures' real objects,
/// signed with HMAC-SHA256 over "{t}.{raw body}" keyed with the whole whsec_ secret.
/// </summary>
internal static class SignedWebhooks
{
    public const string Secret = "whsec_test_5b2c8e1f0a9d4c3b7e6f1a2b3c4d5e6f";
    public const string OtherSecret = "whsec_test_rolled_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    public const string EventId = "evt_1QxYzAB7WZ01zgkW3cT9pL2m";
    public const string PaymentLinkId = "plink_1Pgc78B7WZ01zgkWC75kX0jg";
    public const string ClientReferenceId = "order_8472-b";
    public const string CustomerEmail = "jenny.rosen@example.com";

    /// <summary>The API version Stripe.net 53.1 is pinned to (its ApiVersion.Current is internal).</summary>
    public const string StripeNetApiVersion = "2026-10-28.endive";

    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static long NowSeconds => Now.ToUnixTimeSeconds();

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The fixture as Stripe's API returns it: an open, unpaid session.</summary>
    public static JsonObject OpenSession() => Fixture("checkout_session.json");

    public static JsonObject PaymentLink() => Fixture("payment_link.json");

    /// <summary>The fixture with the fields a completed, paid payment-link session has; every other field kept.</summary>
    public static JsonObject CompletedSession(string paymentStatus = "paid")
    {
        var session = OpenSession();
        session["status"] = "complete";
        session["payment_status"] = paymentStatus;
        session["client_reference_id"] = ClientReferenceId;
        session["payment_link"] = PaymentLinkId;
        session["currency"] = "usd";
        session["amount_total"] = 4200;
        session["customer_details"]!["email"] = CustomerEmail;
        session["total_details"]!["amount_tax"] = 0;
        return session;
    }

    /// <summary>An event envelope as Stripe delivers it, around <paramref name="dataObject"/>.</summary>
    public static JsonObject Envelope(
        string type,
        JsonNode dataObject,
        string id = EventId,
        long? created = null,
        bool livemode = false,
        string apiVersion = StripeNetApiVersion,
        int pendingWebhooks = 1) =>
        new()
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = apiVersion,
            ["created"] = created ?? NowSeconds - 2,
            ["data"] = new JsonObject { ["object"] = dataObject },
            ["livemode"] = livemode,
            ["pending_webhooks"] = pendingWebhooks,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        };

    public static byte[] Body(JsonNode envelope) => JsonSerializer.SerializeToUtf8Bytes(envelope, Indented);

    public static byte[] CompletedEventBody(string paymentStatus = "paid") =>
        Body(Envelope("checkout.session.completed", CompletedSession(paymentStatus)));

    public static string Signature(ReadOnlySpan<byte> body, long timestamp, string secret = Secret)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>The Stripe-Signature header for <paramref name="body"/>, signed now with <see cref="Secret"/>.</summary>
    public static string Header(ReadOnlySpan<byte> body, long? timestamp = null, string secret = Secret)
    {
        var t = timestamp ?? NowSeconds;
        return $"t={t},v1={Signature(body, t, secret)}";
    }

    public static FakeTimeProvider Clock(DateTimeOffset? now = null) => new(now ?? Now);

    public static PaymentLinkWebhookParser Parser(
        TimeProvider? clock = null, int maxPayloadBytes = PaymentLinkWebhookOptions.DefaultMaxPayloadBytes, params string[] secrets)
    {
        var options = new PaymentLinkWebhookOptions { MaxPayloadBytes = maxPayloadBytes };
        foreach (var secret in secrets.Length == 0 ? [Secret] : secrets)
        {
            options.SigningSecrets.Add(secret);
        }

        return new PaymentLinkWebhookParser(options, clock ?? Clock());
    }

    public static JsonObject Fixture(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name)))!.AsObject();
}

/// <summary>A read-only stream that hides its length and position, as a request body does, and counts what is read.</summary>
internal abstract class ForwardOnlyStream : Stream
{
    public long BytesRead { get; protected set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A stream that hides its length, as a request body does.</summary>
internal sealed class UnseekableStream(Stream inner) : ForwardOnlyStream
{
    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        BytesRead += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        BytesRead += read;
        return read;
    }
}

/// <summary>An endless body of spaces, to show that reading stops at the limit.</summary>
internal sealed class EndlessStream : ForwardOnlyStream
{
    public override int Read(byte[] buffer, int offset, int count)
    {
        buffer.AsSpan(offset, count).Fill((byte)' ');
        BytesRead += count;
        return count;
    }
}
