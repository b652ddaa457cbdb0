using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PaymentLinks.Tracking;

/// <summary>
/// A short key that stands for one set of UTM codes: the same five codes always give the same key, so a link can carry
/// its campaign in <c>client_reference_id</c> (see <see cref="ClientReferenceCodec"/>).
/// </summary>
/// <remarks>
/// <para>
/// The key is the first 60 bits of the SHA-256 of the five codes in a canonical form (a version string, then each code
/// in the order source, medium, campaign, term, content: absent, or its count and its exact UTF-16 characters), written as
/// <see cref="Length"/> characters of lowercase base 32 (<c>a-z 2-7</c>). An absent code and an empty one give
/// different keys, and so do the same value under two different codes.
/// </para>
/// <para>
/// Two different sets share a key with a probability of about n² / 2⁶¹ for n sets: below one in two million for a
/// million campaigns, below one in twenty thousand million for ten thousand. A ledger that registers keys should still
/// refuse a key already registered for another set.
/// </para>
/// <para>
/// Compute the key over the codes the link actually carries: a code Stripe would drop is not on the link, so it
/// should not be in the key's set either.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var key = CampaignKey.For(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" });
/// // key.Value == "uutrue7pmnzs", on every machine and in every version of this library.
/// </code>
/// </example>
public sealed record CampaignKey
{
    /// <summary>The number of characters in a key.</summary>
    public const int Length = 12;

    /// <summary>The characters a key is written with: lowercase base 32 (RFC 4648's alphabet, lowercased).</summary>
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    // Written before the codes so that a later version of the canonical form never gives the same bytes.
    private const string CanonicalFormVersion = "PaymentLinks.Tracking/UtmCodes/1";

    internal static readonly SearchValues<char> AlphabetValues = SearchValues.Create(Alphabet);

    private CampaignKey(string value) => Value = value;

    /// <summary>Gets the key's <see cref="Length"/> characters from <see cref="Alphabet"/>.</summary>
    public string Value { get; }

    /// <summary>Computes the key of a set of UTM codes.</summary>
    /// <param name="utm">The codes; any strings, valid or not, give a key.</param>
    /// <returns>The key: equal for equal codes, on every machine and in every version of this library.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="utm"/> is <see langword="null"/>.</exception>
    public static CampaignKey For(UtmCodes utm)
    {
        ArgumentNullException.ThrowIfNull(utm);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendCode(hash, CanonicalFormVersion);
        AppendCode(hash, utm.Source);
        AppendCode(hash, utm.Medium);
        AppendCode(hash, utm.Campaign);
        AppendCode(hash, utm.Term);
        AppendCode(hash, utm.Content);

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        var bits = BinaryPrimitives.ReadUInt64BigEndian(digest);
        return new CampaignKey(string.Create(Length, bits, static (key, bits) =>
        {
            for (var i = 0; i < key.Length; i++)
            {
                key[i] = Alphabet[(int)(bits >> (64 - (5 * (i + 1)))) & 31];
            }
        }));
    }

    /// <summary>Reads a key written as <see cref="Value"/>, e.g. from a ledger.</summary>
    /// <param name="value">Exactly <see cref="Length"/> characters from <see cref="Alphabet"/>.</param>
    /// <param name="key">The key, when <paramref name="value"/> is one.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a key.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out CampaignKey? key)
    {
        key = IsKey(value) ? new CampaignKey(value.ToString()) : null;
        return key is not null;
    }

    /// <summary>Reads a key written as <see cref="Value"/>.</summary>
    /// <param name="value">Exactly <see cref="Length"/> characters from <see cref="Alphabet"/>.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="value"/> is not a key.</exception>
    public static CampaignKey Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out var key)
            ? key
            : throw new FormatException($"A campaign key is {Length} characters from '{Alphabet}'.");
    }

    /// <summary>Returns the key's characters, as <see cref="Value"/>.</summary>
    /// <returns><see cref="Value"/>.</returns>
    public override string ToString() => Value;

    internal static bool IsKey(ReadOnlySpan<char> value) =>
        value.Length == Length && !value.ContainsAnyExcept(AlphabetValues);

    // A code is a presence byte, then its length and its UTF-16 units (little-endian), so no two sets of codes, not
    // even with lone surrogates, give the same bytes.
    private static void AppendCode(IncrementalHash hash, string? code)
    {
        Span<byte> head = stackalloc byte[5];
        if (code is null)
        {
            head[0] = 0;
            hash.AppendData(head[..1]);
            return;
        }

        head[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(head[1..], code.Length);
        hash.AppendData(head);
        var units = MemoryMarshal.AsBytes(code.AsSpan());
        if (BitConverter.IsLittleEndian)
        {
            hash.AppendData(units);
        }
        else
        {
            Span<byte> unitBytes = stackalloc byte[2];
            foreach (var unit in code)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(unitBytes, unit);
                hash.AppendData(unitBytes);
            }
        }
    }
}
