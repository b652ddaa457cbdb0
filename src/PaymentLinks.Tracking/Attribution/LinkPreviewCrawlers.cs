namespace PaymentLinks.Tracking;

/// <summary>
/// The link-preview crawlers and search bots whose requests to a tracked link are not clicks: they are redirected but
/// not recorded. Each entry is a part of the <c>User-Agent</c> header, matched ignoring case.
/// </summary>
public static class LinkPreviewCrawlers
{
    /// <summary>
    /// Gets the crawlers known by default: Slack (<c>Slackbot</c>, <c>Slack-ImgProxy</c>), Facebook and Meta
    /// (<c>facebookexternalhit</c>, <c>Facebot</c>, <c>meta-externalagent</c>), X/Twitter (<c>Twitterbot</c>), LinkedIn
    /// (<c>LinkedInBot</c>), WhatsApp (<c>WhatsApp</c>), Discord (<c>Discordbot</c>), Telegram (<c>TelegramBot</c>), Skype
    /// and Teams (<c>SkypeUriPreview</c>), Pinterest (<c>Pinterestbot</c>, <c>Pinterest/</c>), Reddit (<c>redditbot</c>),
    /// Apple (<c>Applebot</c>), Google (<c>Googlebot</c>, <c>AdsBot-Google</c>, <c>Google-InspectionTool</c>), Bing
    /// (<c>bingbot</c>, <c>BingPreview</c>), DuckDuckGo (<c>DuckDuckBot</c>), Yandex (<c>YandexBot</c>), Baidu
    /// (<c>Baiduspider</c>) and Embedly (<c>Embedly</c>).
    /// </summary>
    public static IReadOnlyList<string> Default { get; } =
    [
        "Slackbot", "Slack-ImgProxy", "facebookexternalhit", "Facebot", "meta-externalagent", "Twitterbot", "LinkedInBot",
        "WhatsApp", "Discordbot", "TelegramBot", "SkypeUriPreview", "Pinterestbot", "Pinterest/", "redditbot", "Applebot",
        "Googlebot", "AdsBot-Google", "Google-InspectionTool", "bingbot", "BingPreview", "DuckDuckBot", "YandexBot",
        "Baiduspider", "Embedly",
    ];

    /// <summary>Whether a user agent is one of <see cref="Default"/> or of <paramref name="more"/>.</summary>
    /// <param name="userAgent">The request's <c>User-Agent</c>; <see langword="null"/> or empty is not a crawler.</param>
    /// <param name="more">More parts of user agents to treat as crawlers, or <see langword="null"/> for none.</param>
    /// <returns><see langword="true"/> when the user agent contains one of them, ignoring case.</returns>
    public static bool IsCrawler(string? userAgent, IEnumerable<string>? more = null)
    {
        if (string.IsNullOrEmpty(userAgent))
        {
            return false;
        }

        foreach (var crawler in Default)
        {
            if (userAgent.Contains(crawler, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return more?.Any(crawler => !string.IsNullOrEmpty(crawler) && userAgent.Contains(crawler, StringComparison.OrdinalIgnoreCase)) == true;
    }
}
