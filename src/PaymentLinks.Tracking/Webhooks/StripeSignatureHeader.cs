using System.Security.Cryptography;

namespace PaymentLinks.Tracking;

/// <summary>
/// Reads Stripe's <c>Stripe-Signature</c> header, <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=...][,v0=...]</c>,
/// without allocating.
/// </summary>
internal static class StripeSignatureHeader
{
    /// <summary>The length of an HMAC-SHA256 signature, in bytes.</summary>
    public const int SignatureLength = 32;

    /// <summary>Enough digits for any Unix time a <see cref="long"/> holds.</summary>
    public const int MaxTimestampDigits = 19;

    /// <summary>
    /// Checks the header's syntax and finds its timestamp. Every item must be <c>key=value</c>, and
    /// exactly one must be a <c>t</c> of 1 to 19 ASCII digits; other keys are checked only by
    /// <see cref="MatchesAnySignature"/>.
    /// </summary>
    /// <param name="header">The header's value.</param>
    /// <param name="timestamp">The timestamp, in Unix seconds.</param>
    /// <param name="timestampStart">Where the timestamp's digits start in <paramref name="header"/>.</param>
    /// <param name="timestampLength">How many digits the timestamp has.</param>
    /// <returns><see cref="PaymentLinkWebhookRejection.None"/>, or why the header is refused.</returns>
    public static PaymentLinkWebhookRejection Parse(
        ReadOnlySpan<char> header, out long timestamp, out int timestampStart, out int timestampLength)
    {
        timestamp = 0;
        timestampStart = 0;
        timestampLength = 0;
        if (header.IsWhiteSpace())
        {
            return PaymentLinkWebhookRejection.MissingHeader;
        }

        var found = false;
        var items = new Items(header);
        while (items.MoveNext())
        {
            if (!items.IsWellFormed)
            {
                return PaymentLinkWebhookRejection.MalformedHeader;
            }

            if (items.Key is "t")
            {
                // A second timestamp would make the signed payload ambiguous.
                if (found || !TryParseTimestamp(items.Value, out timestamp))
                {
                    return PaymentLinkWebhookRejection.MalformedHeader;
                }

                found = true;
                timestampStart = items.ValueStart;
                timestampLength = items.Value.Length;
            }
        }

        return found ? PaymentLinkWebhookRejection.None : PaymentLinkWebhookRejection.MalformedHeader;
    }

    /// <summary>
    /// Whether any <c>v1</c> item of a header already accepted by <see cref="Parse"/> equals
    /// <paramref name="expected"/>. Only <c>v1</c> counts: <c>v0</c> and unknown schemes are ignored, so a
    /// request cannot downgrade the check. A <c>v1</c> that is not 64 lower-case hex digits matches nothing.
    /// </summary>
    /// <param name="header">The header's value.</param>
    /// <param name="expected">The signature computed over the payload.</param>
    /// <returns>Whether a <c>v1</c> signature matches.</returns>
    public static bool MatchesAnySignature(ReadOnlySpan<char> header, ReadOnlySpan<byte> expected)
    {
        Span<byte> candidate = stackalloc byte[SignatureLength];
        var items = new Items(header);
        while (items.MoveNext())
        {
            if (items.Key is "v1"
                && TryDecodeLowerHex(items.Value, candidate)
                && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseTimestamp(ReadOnlySpan<char> digits, out long timestamp)
    {
        timestamp = 0;
        if (digits.IsEmpty || digits.Length > MaxTimestampDigits)
        {
            return false;
        }

        ulong value = 0;
        foreach (var c in digits)
        {
            var digit = (uint)(c - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit; // 19 digits cannot overflow a ulong.
        }

        if (value > long.MaxValue)
        {
            return false;
        }

        timestamp = (long)value;
        return true;
    }

    // Stripe writes lower-case hex; like Stripe's libraries, which compare the hex text, other casings do not match.
    private static bool TryDecodeLowerHex(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        if (hex.Length != destination.Length * 2)
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            var high = LowerHexValue(hex[2 * i]);
            var low = LowerHexValue(hex[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            destination[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    private static int LowerHexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    /// <summary>The header's comma-separated items, each trimmed of white space and split at its first '='.</summary>
    private ref struct Items
    {
        private readonly ReadOnlySpan<char> _header;
        private int _next;

        public Items(ReadOnlySpan<char> header)
        {
            _header = header;
            _next = 0;
        }

        public ReadOnlySpan<char> Key { get; private set; }

        public ReadOnlySpan<char> Value { get; private set; }

        public int ValueStart { get; private set; }

        public bool IsWellFormed { get; private set; }

        public bool MoveNext()
        {
            if (_next > _header.Length)
            {
                return false;
            }

            var rest = _header[_next..];
            var comma = rest.IndexOf(',');
            var length = comma < 0 ? rest.Length : comma;
            var start = _next;
            _next += length + 1;

            var item = _header.Slice(start, length);
            var leading = item.Length - item.TrimStart().Length;
            item = item.Trim();
            var equals = item.IndexOf('=');
            IsWellFormed = equals >= 0;
            Key = equals < 0 ? default : item[..equals];
            Value = equals < 0 ? default : item[(equals + 1)..];
            ValueStart = start + leading + equals + 1;
            return true;
        }
    }
}
