using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// Verifies and reads the signed conversion webhook (<see cref="WebhookForwardingOptions"/>) on the receiving side: the
/// <c>PaymentLinks-Signature</c> header has the form of Stripe's (<c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of
/// "t.body"&gt;</c>), checked in constant time and against a tolerance. Immutable and safe to share between threads.
/// </summary>
/// <example>
/// <code>
/// var verifier = new ConversionWebhookVerifier(secret);
/// app.MapPost("/conversions", async (HttpRequest request) =>
/// {
///     using var body = new MemoryStream();
///     await request.Body.CopyToAsync(body);
///     if (!verifier.TryVerify(body.ToArray(), request.Headers[ConversionWebhookVerifier.SignatureHeaderName], out var conversion, out var rejection))
///         return Results.BadRequest(rejection.ToString());
///     // conversion.Type is "conversion.paid" or "conversion.refunded"; take each conversion.Id once.
///     return Results.Ok();
/// });
/// </code>
/// </example>
public sealed class ConversionWebhookVerifier
{
    /// <summary>The request header that carries the signature.</summary>
    public const string SignatureHeaderName = "PaymentLinks-Signature";

    private readonly byte[] _key;
    private readonly long _toleranceSeconds;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a verifier for the secret the webhook is configured with.</summary>
    /// <param name="secret">The shared secret (<see cref="WebhookForwardingOptions.Secret"/>).</param>
    /// <param name="tolerance">How far the signature's time may be from now, either way; 5 minutes when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="secret"/> is empty, or <paramref name="tolerance"/> is not positive.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="secret"/> is <see langword="null"/>.</exception>
    public ConversionWebhookVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var toleranceValue = tolerance ?? TimeSpan.FromMinutes(5);
        if (toleranceValue <= TimeSpan.Zero)
        {
            throw new ArgumentException("The tolerance must be positive.", nameof(tolerance));
        }

        _key = Encoding.UTF8.GetBytes(secret);
        _toleranceSeconds = toleranceValue.Ticks / TimeSpan.TicksPerSecond;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Verifies a request's body and signature header, and reads its event, without throwing for bad input.</summary>
    /// <param name="body">The request body, exactly as received.</param>
    /// <param name="signatureHeader">The <see cref="SignatureHeaderName"/> header's value.</param>
    /// <param name="conversion">The verified event, when accepted.</param>
    /// <param name="rejection">Why the request was refused, or <see cref="PaymentLinkWebhookRejection.None"/>.</param>
    /// <returns>Whether the request was accepted.</returns>
    public bool TryVerify(
        ReadOnlySpan<byte> body,
        string? signatureHeader,
        [NotNullWhen(true)] out ConversionWebhookEvent? conversion,
        out PaymentLinkWebhookRejection rejection)
    {
        conversion = null;
        rejection = StripeSignatureHeader.Parse(signatureHeader, out var timestamp, out var timestampStart, out var timestampLength);
        if (rejection != PaymentLinkWebhookRejection.None)
        {
            return false;
        }

        var signed = new byte[timestampLength + 1 + body.Length];
        Encoding.ASCII.GetBytes(signatureHeader.AsSpan(timestampStart, timestampLength), signed);
        signed[timestampLength] = (byte)'.';
        body.CopyTo(signed.AsSpan(timestampLength + 1));
        Span<byte> signature = stackalloc byte[StripeSignatureHeader.SignatureLength];
        HMACSHA256.HashData(_key, signed, signature);
        if (!StripeSignatureHeader.MatchesAnySignature(signatureHeader, signature))
        {
            rejection = PaymentLinkWebhookRejection.NoMatchingSignature;
            return false;
        }

        if (Math.Abs(_timeProvider.GetUtcNow().ToUnixTimeSeconds() - timestamp) > _toleranceSeconds)
        {
            rejection = PaymentLinkWebhookRejection.TimestampOutsideTolerance;
            return false;
        }

        try
        {
            conversion = JsonSerializer.Deserialize(body, ForwardingJson.Default.ConversionWebhookEvent);
        }
        catch (JsonException)
        {
            conversion = null;
        }

        if (conversion is null)
        {
            rejection = PaymentLinkWebhookRejection.MalformedJson;
            return false;
        }

        return true;
    }

    /// <summary>Verifies a request and reads its event.</summary>
    /// <param name="body">The request body, exactly as received.</param>
    /// <param name="signatureHeader">The <see cref="SignatureHeaderName"/> header's value.</param>
    /// <returns>The verified event.</returns>
    /// <exception cref="PaymentLinkWebhookException">The request is refused; its reason says why.</exception>
    public ConversionWebhookEvent Verify(ReadOnlySpan<byte> body, string? signatureHeader) =>
        TryVerify(body, signatureHeader, out var conversion, out var rejection) ? conversion : throw new PaymentLinkWebhookException(rejection);
}
