using System.Security.Cryptography;

namespace PaymentLinks.Tracking;

/// <summary>
/// One signing secret's HMAC-SHA256 key, with an HMAC state kept between requests: setting one up costs about a
/// fifth of hashing a typical event, and a reused state only resets. Safe to share between threads.
/// </summary>
internal sealed class WebhookSigningKey(byte[] key)
{
    // At most one idle state: a request takes it, or sets up its own when another request holds it.
    private IncrementalHash? _idle;

    /// <summary>Gets the key's bytes: the secret's UTF-8 form.</summary>
    public ReadOnlySpan<byte> Bytes => key;

    /// <summary>Computes the signature of <c>prefix + payload</c>, the two hashed in turn rather than joined.</summary>
    /// <param name="prefix">The signed payload's <c>"{t}."</c> prefix.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="signature">Receives the 32-byte signature.</param>
    public void Sign(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload, Span<byte> signature)
    {
        var hmac = Interlocked.Exchange(ref _idle, null) ?? IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(payload);
        hmac.GetHashAndReset(signature);
        if (Interlocked.CompareExchange(ref _idle, hmac, null) is not null)
        {
            hmac.Dispose();
        }
    }
}
