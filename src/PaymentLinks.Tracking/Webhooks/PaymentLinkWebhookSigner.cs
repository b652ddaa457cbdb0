using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// Signs a webhook payload as Stripe does, so that an endpoint can be tested end to end without Stripe: the header
/// it returns is accepted by <see cref="PaymentLinkWebhookParser"/> and by Stripe.net's <c>EventUtility</c>.
/// </summary>
/// <example>
/// <code>
/// var header = PaymentLinkWebhookSigner.CreateSignatureHeader(body, "whsec_test_...", DateTimeOffset.UtcNow);
/// request.Headers.Add("Stripe-Signature", header);
/// </code>
/// </example>
public static class PaymentLinkWebhookSigner
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Creates a <c>Stripe-Signature</c> header for a payload: <c>t={timestamp},v1={signature}</c>, the signature being
    /// the lower-case hex HMAC-SHA256 of <c>"{t}.{payload}"</c> keyed with the signing secret's UTF-8 bytes.
    /// </summary>
    /// <param name="payload">The request body, signed as its UTF-8 bytes.</param>
    /// <param name="signingSecret">The signing secret (<c>whsec_...</c>).</param>
    /// <param name="timestamp">The time to sign at, in whole seconds (a fraction is dropped); not before 1970.</param>
    /// <returns>The header's value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> or <paramref name="signingSecret"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="signingSecret"/> is empty, or <paramref name="payload"/> holds a lone surrogate, which has no UTF-8 form.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is before the Unix epoch.</exception>
    public static string CreateSignatureHeader(string payload, string signingSecret, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(payload);
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(payload);
        }
        catch (EncoderFallbackException exception)
        {
            throw new ArgumentException("The payload holds a lone surrogate, which has no UTF-8 form to sign.", nameof(payload), exception);
        }

        return CreateSignatureHeader(bytes, signingSecret, timestamp);
    }

    /// <summary>
    /// Creates a <c>Stripe-Signature</c> header for a payload: <c>t={timestamp},v1={signature}</c>, the signature being
    /// the lower-case hex HMAC-SHA256 of <c>"{t}.{payload}"</c> keyed with the signing secret's UTF-8 bytes.
    /// </summary>
    /// <param name="payload">The request body's bytes.</param>
    /// <param name="signingSecret">The signing secret (<c>whsec_...</c>).</param>
    /// <param name="timestamp">The time to sign at, in whole seconds (a fraction is dropped); not before 1970.</param>
    /// <returns>The header's value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="signingSecret"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="signingSecret"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is before the Unix epoch.</exception>
    public static string CreateSignatureHeader(ReadOnlySpan<byte> payload, string signingSecret, DateTimeOffset timestamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingSecret);
        var seconds = timestamp.ToUnixTimeSeconds();
        ArgumentOutOfRangeException.ThrowIfNegative(seconds, nameof(timestamp));

        var prefix = Encoding.ASCII.GetBytes(seconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signedLength = prefix.Length + payload.Length;
        var signedPayload = ArrayPool<byte>.Shared.Rent(signedLength);
        Span<byte> signature = stackalloc byte[StripeSignatureHeader.SignatureLength];
        try
        {
            prefix.CopyTo(signedPayload, 0);
            payload.CopyTo(signedPayload.AsSpan(prefix.Length));
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), signedPayload.AsSpan(0, signedLength), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signedPayload);
        }

        return string.Create(CultureInfo.InvariantCulture, $"t={seconds},v1={Convert.ToHexString(signature).ToLowerInvariant()}");
    }
}
