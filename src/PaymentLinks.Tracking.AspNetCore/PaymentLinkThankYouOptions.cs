using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>How <c>app.MapPaymentLinkThankYou(...)</c> answers: the page, the rate limit, and the cache of Stripe lookups.</summary>
public sealed class PaymentLinkThankYouOptions
{
    /// <summary>
    /// Gets or sets what the page shows, given the visit (its session, UTM codes, what was recorded, and the
    /// conversion Stripe confirmed). Return any <see cref="IResult"/>: <c>Results.Content(html, "text/html")</c>, a
    /// redirect, a Razor component.
    /// </summary>
    /// <value>The default is <see langword="null"/>: a plain HTML page that thanks the buyer, with no script and no data of theirs.</value>
    public Func<PaymentLinkThankYouVisit, IResult>? Page { get; set; }

    /// <summary>
    /// Gets or sets the consent the page reports for the visit (from your consent banner's cookie or parameter). The
    /// visit's cookies, user agent, URL and IP are recorded for forwarding; without consent none of them is sent on.
    /// </summary>
    /// <value>The default is <see langword="null"/>: <see cref="VisitConsent.NotReported"/>.</value>
    public Func<HttpContext, VisitConsent>? Consent { get; set; }

    /// <summary>
    /// Gets or sets how many requests one client may make in <see cref="RateLimitWindow"/>; past it the endpoint answers
    /// <c>429</c> with <c>Retry-After</c>, and neither the ledger nor Stripe is asked. A client is the connection's
    /// address as ASP.NET Core sees it: an IPv4 address, or an IPv6 address's /64 (the prefix one subscriber holds, in
    /// which its addresses rotate). Behind a proxy, <c>app.UseForwardedHeaders()</c> with the proxy listed in
    /// <c>ForwardedHeadersOptions.KnownProxies</c> or <c>KnownIPNetworks</c> makes it the buyer's address; trusting every
    /// proxy lets any client name its own address.
    /// </summary>
    /// <value>The default is 20. <see langword="null"/> turns the limit off (for an app that limits in front of it).</value>
    public int? PermitsPerClient { get; set; } = 20;

    /// <summary>Gets or sets the window <see cref="PermitsPerClient"/> counts over.</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how many times a minute the page may ask Stripe about a session, across all clients, so that visits
    /// of made-up session ids from many addresses cannot spend the merchant's Stripe rate limit (which the rest of the
    /// shop shares). Cached answers do not count. Past it, a session the ledger does not know is neither verified nor
    /// recorded (<see cref="PaymentLinkThankYouOutcome.NotVerified"/>, and a warning at most once a minute), and a session
    /// it knows is recorded without <see cref="PaymentLinkThankYouVisit.Lookup"/>; the buyer is thanked either way.
    /// </summary>
    /// <value>
    /// The default is 120 (two a second, a small share of Stripe's limit of about 100 requests a second in live mode, and
    /// more than a shop's thank-you pages need, since the webhook usually makes the session known first).
    /// <see langword="null"/> turns the ceiling off.
    /// </value>
    public int? StripeLookupsPerMinute { get; set; } = 120;

    /// <summary>
    /// Gets or sets how many Stripe lookups are remembered, one per session id, so that Stripe is asked at most once
    /// for a session however often its page is loaded. The oldest are forgotten past the limit.
    /// </summary>
    /// <value>The default is 10,000 session ids.</value>
    public int LookupCacheSize { get; set; } = 10_000;

    /// <summary>Gets or sets how long a Stripe lookup is remembered.</summary>
    /// <value>The default is 1 day.</value>
    public TimeSpan LookupCacheDuration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets the name of the visitor cookie that <c>app.MapPaymentLinkRedirect(...)</c> sets (its
    /// <see cref="PaymentLinkRedirectOptions.VisitorCookieName"/>): the visit is tied to that visitor, whose clicks are
    /// erased with the session.
    /// </summary>
    /// <value>The default is <c>plt_visitor</c>, the redirect's default.</value>
    public string VisitorCookieName { get; set; } = PaymentLinkRedirectOptions.DefaultVisitorCookieName;
}
