using System.Text.RegularExpressions;

namespace PaymentLinks.Tracking;

/// <summary>Removes Stripe keys from text that is about to reach a message, a result or a log.</summary>
internal static partial class SecretRedaction
{
    public const string Replacement = "[redacted]";

    /// <summary>Replaces the given key, and anything shaped like a Stripe key or webhook secret, with <c>[redacted]</c>.</summary>
    public static string Redact(string? text, string? apiKey)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            text = text.Replace(apiKey, Replacement, StringComparison.Ordinal);
        }

        // Stripe masks keys in its own messages (rk_test_****1234); even the masked form stays out.
        return SecretPattern().Replace(text, Replacement);
    }

    [GeneratedRegex(@"(?:(?:sk|rk|pk)_(?:live|test)|whsec)_[A-Za-z0-9*]*", RegexOptions.CultureInvariant)]
    private static partial Regex SecretPattern();
}
