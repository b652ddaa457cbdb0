using System.Security.Cryptography;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>The hashing ad platforms ask for personal data: SHA-256 in lower-case hex, of a value normalised first.</summary>
public static class ConversionHashing
{
    /// <summary>SHA-256 of <paramref name="value"/>'s UTF-8 bytes, in lower-case hex.</summary>
    /// <param name="value">The value, already normalised as the platform documents.</param>
    /// <returns>64 lower-case hex digits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    public static string Sha256Hex(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
    }

    /// <summary>
    /// An email trimmed and lower-cased, then hashed: the normalisation Meta and TikTok document (Google's also drops
    /// the dots of a gmail.com address's local part, which this does not).
    /// </summary>
    /// <param name="email">The email.</param>
    /// <returns>64 lower-case hex digits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="email"/> is <see langword="null"/>.</exception>
    public static string Sha256Email(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return Sha256Hex(email.Trim().ToLowerInvariant());
    }
}
