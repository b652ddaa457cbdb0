using System.Globalization;
using System.Text;
using CsCheck;

namespace PaymentLinks.Tracking.Tests;

/// <summary>Generators of parameter values: arbitrary Unicode, and strings close to Stripe's rules where mistakes hide.</summary>
internal static class GeneratedText
{
    public const string TrackingAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public const string AlphanumericAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// Characters that break the rules while looking harmless: URL syntax, whitespace and controls, non-ASCII letters,
    /// full-width digits and letters, Cyrillic look-alikes, characters that case folding maps onto ASCII (Kelvin sign,
    /// long s, dotless i), an emoji and lone surrogates.
    /// </summary>
    public static readonly string[] Intruders =
    [
        " ", "%", "+", "&", "=", "#", ".", "/", "?", "~", "'", "\"", "\u00e9", "\n", "\r", "\t", "\0", "\u00a0", "\u200b",
        "\uff10", "\uff19", "\uff21", "\u0430", "\u0435", "\u043e", "\u0440", "\u0441", "\u0445", "\u0410", "\u0412",
        "\u0415", "\u041a", "\u041c", "\u041d", "\u041e", "\u0420", "\u0421", "\u0422", "\u0425", "\u212a", "\u017f",
        "\u0131", "\U0001F600", "\ud800", "\udc00",
    ];

    /// <summary>Prefixes that look like Stripe keys, and near misses that do not count as one.</summary>
    public static readonly string[] KeyLikePrefixes =
    [
        "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "pk_", "pk_live_", "pk_test_",
        "sk_live", "sk_test", "rk_live", "whsec", "pk", "SK_LIVE_", "Pk_", "sk-live_", "xsk_live_", "_pk_", "whsec-",
    ];

    /// <summary>Lengths from 0 to 210, weighted around 150 and 200, where the limits are.</summary>
    public static readonly Gen<int> Lengths = Gen.Frequency(
        (4, Gen.Int[0, 210]),
        (3, Gen.Int[149, 151]),
        (3, Gen.Int[199, 201]),
        (1, Gen.Int[0, 2]));

    /// <summary>Any UTF-16 text, lone surrogates included.</summary>
    public static readonly Gen<string> AnyUnicode = Gen.Frequency(
        (1, Gen.String),
        (1, Gen.Char.Array[0, 210].Select(chars => new string(chars))));

    /// <summary>Text from the allowed alphabet at the interesting lengths, half the time with one to three intruders.</summary>
    public static readonly Gen<string> NearTheRules =
        from length in Lengths
        from body in Gen.Char[TrackingAlphabet].Array[length]
        from intruders in Gen.Frequency(
            (1, Gen.Const(Array.Empty<(int At, string Text)>())),
            (1, Gen.Select(Gen.Int[0, 1000], Gen.OneOf(Intruders), (at, text) => (at, text)).Array[1, 3]))
        select Intrude(body, intruders);

    /// <summary>Text near the rules behind a prefix that may make it look like a Stripe key.</summary>
    public static readonly Gen<string> KeyLike =
        from prefix in Gen.OneOf(KeyLikePrefixes)
        from rest in NearTheRules
        select prefix + rest;

    /// <summary>Any text a caller may pass: mostly near the rules, some arbitrary, some key-like.</summary>
    public static readonly Gen<string> AnyValue = Gen.Frequency((1, AnyUnicode), (3, NearTheRules), (1, KeyLike));

    /// <summary>Shows text with every character outside printable ASCII escaped, so a failing case can be read and pasted.</summary>
    public static string Show(string? text)
    {
        if (text is null)
        {
            return "null";
        }

        var shown = new StringBuilder(text.Length + 16).Append('"');
        foreach (var c in text)
        {
            _ = c is >= ' ' and <= '~' and not '"' and not '\\'
                ? shown.Append(c)
                : shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }

        return shown.Append("\" (").Append(text.Length).Append(" chars)").ToString();
    }

    private static string Intrude(char[] body, (int At, string Text)[] intruders)
    {
        var text = new StringBuilder(new string(body));
        foreach (var (at, intruder) in intruders)
        {
            // Replace a character where there is one, so the length stays at the edge being tested.
            var position = at % (text.Length + 1);
            if (position < text.Length)
            {
                text.Remove(position, 1);
            }

            text.Insert(position, intruder);
        }

        return text.ToString();
    }
}
