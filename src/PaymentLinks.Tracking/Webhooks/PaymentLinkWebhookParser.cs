using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace PaymentLinks.Tracking;

/// <summary>
/// Verifies Stripe webhook requests (the <c>Stripe-Signature</c> header) and reads them into typed
/// <see cref="PaymentLinkEvent"/>s. An instance is immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// <para>
/// A request is checked in this order: the header's syntax, the payload's size, the signature (HMAC-SHA256
/// of <c>"{t}.{payload}"</c> keyed with each signing secret, compared in constant time with every
/// <c>v1</c> signature), the timestamp against the tolerance, and only then the JSON. The payload is
/// verified exactly as received: pass the raw request body, not a re-serialised or trimmed copy.
/// </para>
/// <para>
/// Messages never contain a signing secret or a signature.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var parser = new PaymentLinkWebhookParser(new PaymentLinkWebhookOptions { SigningSecrets = { "whsec_..." } });
/// var result = await parser.TryParseAsync(request.Body, request.Headers["Stripe-Signature"], cancellationToken);
/// if (!result.Succeeded) return Results.BadRequest();
/// if (result.Event.ShouldFulfill) await FulfilOnceAsync(result.Event.EventId, result.Event.Checkout);
/// return Results.Ok();
/// </code>
/// </example>
public sealed class PaymentLinkWebhookParser
{
    private const int InitialReadBufferLength = 16 * 1024;

    // The secrets' UTF-8 bytes, encoded once: verification encodes nothing per request.
    private readonly byte[][] _signingKeys;
    private readonly long _toleranceSeconds;
    private readonly int _maxPayloadBytes;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a parser, refusing invalid options at once rather than at the first request.</summary>
    /// <param name="options">The signing secrets and limits; copied, so later changes do not affect this parser.</param>
    /// <param name="timeProvider">The clock the signature's timestamp is checked against; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An option is invalid: no signing secret, a secret that is not <c>whsec_...</c>, is a placeholder or has
    /// surrounding white space, a non-positive <see cref="PaymentLinkWebhookOptions.Tolerance"/> or
    /// <see cref="PaymentLinkWebhookOptions.MaxPayloadBytes"/>. The message names the option, never a secret.
    /// </exception>
    public PaymentLinkWebhookParser(PaymentLinkWebhookOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid(nameof(options));
        _signingKeys = EncodeSigningSecrets(options.SigningSecrets);

        // Stripe's timestamps have whole seconds, so a fraction of a second of tolerance adds nothing.
        _toleranceSeconds = options.Tolerance.Ticks / TimeSpan.TicksPerSecond;
        _maxPayloadBytes = options.MaxPayloadBytes;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Verifies a webhook request and reads its event.</summary>
    /// <param name="payload">The request body, exactly as received.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <returns>The verified event.</returns>
    /// <exception cref="PaymentLinkWebhookException">The request is refused; <see cref="PaymentLinkWebhookException.Reason"/> says why.</exception>
    public PaymentLinkEvent Parse(ReadOnlySpan<byte> payload, string? signatureHeader) =>
        TryParse(payload, signatureHeader, out var paymentLinkEvent, out var reason)
            ? paymentLinkEvent
            : throw new PaymentLinkWebhookException(reason);

    /// <summary>Verifies a webhook request whose body was read as text, and reads its event.</summary>
    /// <param name="payload">The request body, exactly as received; it is verified as its UTF-8 bytes.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <returns>The verified event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> is <see langword="null"/>.</exception>
    /// <exception cref="PaymentLinkWebhookException">The request is refused; <see cref="PaymentLinkWebhookException.Reason"/> says why.</exception>
    public PaymentLinkEvent Parse(string payload, string? signatureHeader) =>
        TryParse(payload, signatureHeader, out var paymentLinkEvent, out var reason)
            ? paymentLinkEvent
            : throw new PaymentLinkWebhookException(reason);

    /// <summary>
    /// Reads a webhook request body from a stream, never more than
    /// <see cref="PaymentLinkWebhookOptions.MaxPayloadBytes"/> plus one byte, then verifies it and reads its event.
    /// </summary>
    /// <param name="body">The request body; read from its current position to its end.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The verified event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    /// <exception cref="PaymentLinkWebhookException">The request is refused; <see cref="PaymentLinkWebhookException.Reason"/> says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<PaymentLinkEvent> ParseAsync(Stream body, string? signatureHeader, CancellationToken cancellationToken = default)
    {
        var result = await TryParseAsync(body, signatureHeader, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.Event : throw new PaymentLinkWebhookException(result.Rejection);
    }

    /// <summary>Verifies a webhook request and reads its event, without throwing for bad input.</summary>
    /// <param name="payload">The request body, exactly as received.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <param name="paymentLinkEvent">The verified event, when the request is accepted.</param>
    /// <param name="reason">Why the request was refused, or <see cref="PaymentLinkWebhookRejection.None"/>.</param>
    /// <returns>Whether the request was accepted.</returns>
    public bool TryParse(
        ReadOnlySpan<byte> payload,
        string? signatureHeader,
        [NotNullWhen(true)] out PaymentLinkEvent? paymentLinkEvent,
        out PaymentLinkWebhookRejection reason)
    {
        paymentLinkEvent = null;
        reason = StripeSignatureHeader.Parse(signatureHeader, out var timestamp, out var timestampStart, out var timestampLength);
        if (reason != PaymentLinkWebhookRejection.None)
        {
            return false;
        }

        if (payload.Length > _maxPayloadBytes)
        {
            reason = PaymentLinkWebhookRejection.PayloadTooLarge;
            return false;
        }

        reason = VerifyAndRead(
            payload, signatureHeader!, timestamp, timestampStart, timestampLength, null, out paymentLinkEvent);
        return paymentLinkEvent is not null;
    }

    /// <summary>
    /// Verifies a webhook request whose body was read as text and reads its event, without throwing for bad input.
    /// </summary>
    /// <param name="payload">The request body, exactly as received; it is verified as its UTF-8 bytes.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <param name="paymentLinkEvent">The verified event, when the request is accepted.</param>
    /// <param name="reason">Why the request was refused, or <see cref="PaymentLinkWebhookRejection.None"/>.</param>
    /// <returns>Whether the request was accepted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> is <see langword="null"/>.</exception>
    public bool TryParse(
        string payload,
        string? signatureHeader,
        [NotNullWhen(true)] out PaymentLinkEvent? paymentLinkEvent,
        out PaymentLinkWebhookRejection reason)
    {
        ArgumentNullException.ThrowIfNull(payload);
        paymentLinkEvent = null;
        reason = StripeSignatureHeader.Parse(signatureHeader, out var timestamp, out var timestampStart, out var timestampLength);
        if (reason != PaymentLinkWebhookRejection.None)
        {
            return false;
        }

        // Every character takes at least one UTF-8 byte, so a long string is refused before it is measured.
        if (payload.Length > _maxPayloadBytes || Encoding.UTF8.GetByteCount(payload) is var byteCount && byteCount > _maxPayloadBytes)
        {
            reason = PaymentLinkWebhookRejection.PayloadTooLarge;
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            // A string with a lone surrogate has no UTF-8 form: no signature can have been computed over it.
            if (Utf8.FromUtf16(payload, buffer.AsSpan(0, byteCount), out _, out _, replaceInvalidSequences: false)
                != OperationStatus.Done)
            {
                reason = PaymentLinkWebhookRejection.NoMatchingSignature;
                return false;
            }

            reason = VerifyAndRead(
                buffer.AsSpan(0, byteCount), signatureHeader!, timestamp, timestampStart, timestampLength, payload, out paymentLinkEvent);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return paymentLinkEvent is not null;
    }

    /// <summary>
    /// Reads a webhook request body from a stream, never more than
    /// <see cref="PaymentLinkWebhookOptions.MaxPayloadBytes"/> plus one byte, then verifies it and reads its
    /// event, without throwing for bad input.
    /// </summary>
    /// <remarks>
    /// A request with a missing or malformed header is refused before the body is read. Failures of the
    /// stream itself (such as an <see cref="IOException"/> when the client disconnects) are not bad input
    /// and propagate.
    /// </remarks>
    /// <param name="body">The request body; read from its current position to its end.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The event, or why the request was refused.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<PaymentLinkWebhookResult> TryParseAsync(
        Stream body, string? signatureHeader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var rejection = StripeSignatureHeader.Parse(signatureHeader, out var timestamp, out var timestampStart, out var timestampLength);
        if (rejection != PaymentLinkWebhookRejection.None)
        {
            return PaymentLinkWebhookResult.ForRejection(rejection);
        }

        // Reading one byte past the limit tells a body at the limit from a larger one.
        var readLimit = Math.Min((long)_maxPayloadBytes + 1, Array.MaxLength);
        var initialLength = Math.Min(readLimit, InitialReadBufferLength);
        if (body.CanSeek)
        {
            var remaining = Math.Max(body.Length - body.Position, 0);
            if (remaining > _maxPayloadBytes)
            {
                return PaymentLinkWebhookResult.ForRejection(PaymentLinkWebhookRejection.PayloadTooLarge);
            }

            initialLength = Math.Min(readLimit, remaining + 1);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)initialLength);
        var length = 0;
        try
        {
            while (length < readLimit)
            {
                if (buffer.Length == length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, readLimit));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var count = (int)Math.Min(buffer.Length - length, readLimit - length);
                var read = await body.ReadAsync(buffer.AsMemory(length, count), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > _maxPayloadBytes)
            {
                return PaymentLinkWebhookResult.ForRejection(PaymentLinkWebhookRejection.PayloadTooLarge);
            }

            rejection = VerifyAndRead(
                buffer.AsSpan(0, length), signatureHeader!, timestamp, timestampStart, timestampLength, null, out var paymentLinkEvent);
            return paymentLinkEvent is null
                ? PaymentLinkWebhookResult.ForRejection(rejection)
                : PaymentLinkWebhookResult.ForEvent(paymentLinkEvent);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Verifies a payload, then reads it.</summary>
    private PaymentLinkWebhookRejection VerifyAndRead(
        ReadOnlySpan<byte> payload,
        string signatureHeader,
        long timestamp,
        int timestampStart,
        int timestampLength,
        string? payloadText,
        out PaymentLinkEvent? paymentLinkEvent)
    {
        paymentLinkEvent = null;

        // Stripe signs "{t}.{payload}", with the timestamp's digits as the header carries them; they are ASCII.
        var signedLength = timestampLength + 1 + payload.Length;
        var signedPayload = ArrayPool<byte>.Shared.Rent(signedLength);
        try
        {
            var prefixLength = Encoding.ASCII.GetBytes(signatureHeader.AsSpan(timestampStart, timestampLength), signedPayload);
            signedPayload[prefixLength] = (byte)'.';
            payload.CopyTo(signedPayload.AsSpan(prefixLength + 1));
            if (!IsSignedByAnySecret(signedPayload.AsSpan(0, signedLength), signatureHeader))
            {
                return PaymentLinkWebhookRejection.NoMatchingSignature;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signedPayload);
        }

        // Both directions: a timestamp from the future is as suspect as an old one.
        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - timestamp) > _toleranceSeconds)
        {
            return PaymentLinkWebhookRejection.TimestampOutsideTolerance;
        }

        return PaymentLinkEventReader.Read(payload, payloadText, out paymentLinkEvent);
    }

    private bool IsSignedByAnySecret(ReadOnlySpan<byte> signedPayload, string signatureHeader)
    {
        Span<byte> signature = stackalloc byte[StripeSignatureHeader.SignatureLength];
        foreach (var key in _signingKeys)
        {
            HMACSHA256.HashData(key, signedPayload, signature);
            if (StripeSignatureHeader.MatchesAnySignature(signatureHeader, signature))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[][] EncodeSigningSecrets(IList<string> secrets)
    {
        var keys = new List<byte[]>(secrets.Count);
        foreach (var secret in secrets)
        {
            var key = Encoding.UTF8.GetBytes(secret);
            if (!keys.Exists(known => known.AsSpan().SequenceEqual(key)))
            {
                keys.Add(key);
            }
        }

        return [.. keys];
    }
}
