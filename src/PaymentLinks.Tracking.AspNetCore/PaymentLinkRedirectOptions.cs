using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>How <c>app.MapPaymentLinkRedirect(...)</c> records clicks: consent, the visitor cookie, crawlers and the rate limit.</summary>
public sealed class PaymentLinkRedirectOptions
{
    /// <summary>The visitor cookie's default name: <c>plt_visitor</c>.</summary>
    public const string DefaultVisitorCookieName = "plt_visitor";

    /// <summary>
    /// Gets or sets the consent the visitor gave (from your consent banner's cookie or parameter), the same delegate as
    /// the thank-you page's. A click's IP address and user agent are recorded only when it says
    /// <see cref="VisitConsent.Granted"/>; the click ids and cookies the request carries are recorded either way.
    /// </summary>
    /// <value>The default is <see langword="null"/>: <see cref="VisitConsent.NotReported"/>, no IP address nor user agent recorded.</value>
    public Func<HttpContext, VisitConsent>? Consent { get; set; }

    /// <summary>
    /// Gets or sets the name of the first-party cookie that ties one browser's clicks together (a random id, HttpOnly,
    /// SameSite=Lax, Secure on https).
    /// </summary>
    /// <value>The default is <c>plt_visitor</c>.</value>
    public string VisitorCookieName { get; set; } = DefaultVisitorCookieName;

    /// <summary>Gets or sets how long the visitor cookie lasts; each click renews it.</summary>
    /// <value>The default is 90 days.</value>
    public TimeSpan VisitorCookieLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Gets or sets more user-agent parts (matched ignoring case) whose requests are not clicks, beyond
    /// <see cref="LinkPreviewCrawlers.Default"/>.
    /// </summary>
    /// <value>The default is an empty list.</value>
    public IList<string> MoreCrawlers { get; set; } = [];

    /// <summary>
    /// Gets or sets how many clicks one client may have recorded in <see cref="RateLimitWindow"/>; past it the client is
    /// still redirected, with no click recorded, so that no one fills the ledger. A client is the connection's address
    /// as ASP.NET Core sees it (an IPv6 address counts as its /64); behind a proxy, use <c>app.UseForwardedHeaders()</c>
    /// with the proxy in <c>KnownProxies</c> or <c>KnownIPNetworks</c>.
    /// </summary>
    /// <value>The default is 30. <see langword="null"/> turns the limit off.</value>
    public int? PermitsPerClient { get; set; } = 30;

    /// <summary>Gets or sets the window <see cref="PermitsPerClient"/> counts over.</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);
}
