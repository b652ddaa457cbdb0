namespace PaymentLinks.Tracking.Samples;

/// <summary>Reads a base link as the commands take it: an absolute URL, or else the name of a configured link.</summary>
internal static class BaseLinks
{
    /// <returns>Why the text is neither, or <see langword="null"/>.</returns>
    public static string? TryRead(string text, IPaymentLinkUrlFactory links, out PaymentLinkUrl? link)
    {
        if (PaymentLinkUrl.TryParse(text, out link))
        {
            return null;
        }

        if (!text.Contains(':', StringComparison.Ordinal) && links.LinkNames.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            link = links.Create(text);
            return null;
        }

        var known = links.LinkNames.Count == 0 ? "none is configured" : $"configured: {string.Join(", ", links.LinkNames)}";
        return $"'{text}' is neither an absolute http(s) URL nor the name of a link in appsettings.json ({known}).";
    }
}
