namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// Reads a base link as the commands take it: an absolute URL, used as written, or else the name of a configured link,
/// built by the factory (which, with <c>PaymentLinkTracking:CampaignKeys</c> on, adds the link's campaign key to
/// <c>client_reference_id</c> and registers it in the ledger).
/// </summary>
internal static class BaseLinks
{
    /// <returns>Why the text is neither, or <see langword="null"/>; creates no link, so registers no key.</returns>
    public static string? Check(string text, IPaymentLinkUrlFactory links)
    {
        if (PaymentLinkUrl.TryParse(text, out _) || IsConfiguredName(text, links))
        {
            return null;
        }

        var known = links.LinkNames.Count == 0 ? "none is configured" : $"configured: {string.Join(", ", links.LinkNames)}";
        return $"'{text}' is neither an absolute http(s) URL nor the name of a link in appsettings.json ({known}).";
    }

    /// <summary>
    /// The link <paramref name="customize"/> makes of the base link <paramref name="text"/> (checked by
    /// <see cref="Check"/>). A configured link's campaign key is that of the customized link's codes.
    /// </summary>
    public static PaymentLinkUrl Create(string text, IPaymentLinkUrlFactory links, Func<PaymentLinkUrl, PaymentLinkUrl> customize) =>
        PaymentLinkUrl.TryParse(text, out var link) ? customize(link) : links.Create(text, customize);

    /// <summary>Whether <paramref name="text"/> names a link in appsettings.json (a URL has a ':').</summary>
    public static bool IsConfiguredName(string text, IPaymentLinkUrlFactory links) =>
        !text.Contains(':', StringComparison.Ordinal) && links.LinkNames.Contains(text, StringComparer.OrdinalIgnoreCase);
}
