namespace PaymentLinks.Tracking;

/// <summary>Removes Stripe keys from text that is about to reach a message, a result or a log.</summary>
internal static class SecretRedaction
{
    public const string Replacement = "[redacted]";

    /// <summary>
    /// Replaces the given key, and anything that starts like a Stripe key or webhook secret
    /// (<see cref="PaymentLinkRules.SecretPrefixes"/>), with <c>[redacted]</c>.
    /// </summary>
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
        var start = 0;
        while (PaymentLinkRules.FindStripeKey(text, start) is ( >= 0 and var index, var prefixLength))
        {
            var end = index + prefixLength;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '*' or '_'))
            {
                end++;
            }

            text = string.Concat(text.AsSpan(0, index), Replacement, text.AsSpan(end));
            start = index + Replacement.Length;
        }

        return text;
    }
}
