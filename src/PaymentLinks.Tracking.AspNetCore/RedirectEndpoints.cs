using System.Diagnostics.CodeAnalysis;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps tracked links, which record the click and send the buyer on to the configured payment link.</summary>
public static class PaymentLinkRedirectEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET</c> and <c>HEAD <paramref name="pattern"/></c> (which names the link with a <c>{name}</c> route
    /// value, such as <c>/go/{name}</c>) as a tracked link: records the click through <see cref="IPaymentLinkClicks"/>
    /// and answers <c>302</c> to the payment link configured under that name in <c>PaymentLinkTracking:Links</c>, with
    /// the click's UTM codes (the request's <c>utm_*</c>, else the link's) and the click's id in
    /// <c>client_reference_id</c> after the merchant's reference. A name not configured is <c>404</c>: no other URL is
    /// ever redirected to.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A click records the ad click ids in the query (<c>gclid</c>, <c>gbraid</c>, <c>wbraid</c>, <c>fbclid</c>,
    /// <c>ttclid</c>, <c>msclkid</c>, <c>li_fat_id</c>, <c>rdt_cid</c>), the cookies <c>_ga</c>, <c>_fbp</c>,
    /// <c>_fbc</c> and <c>_ttp</c>, the referrer and the URL clicked, and, when
    /// <see cref="PaymentLinkRedirectOptions.Consent"/> says granted, the IP address and user agent. A first-party
    /// cookie (<see cref="PaymentLinkRedirectOptions.VisitorCookieName"/>) ties one browser's clicks together.
    /// </para>
    /// <para>
    /// Not clicks, redirected without being recorded: <c>HEAD</c> requests, prefetches (<c>Sec-Purpose</c> or
    /// <c>Purpose</c> saying <c>prefetch</c>), link-preview crawlers and search bots (<see cref="LinkPreviewCrawlers"/>
    /// and <see cref="PaymentLinkRedirectOptions.MoreCrawlers"/>), and a client past its rate limit. A click the ledger
    /// cannot record is logged and the buyer is redirected all the same.
    /// </para>
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The route, with a <c>{name}</c> route value, such as <c>/go/{name}</c>.</param>
    /// <param name="options">Consent, the visitor cookie, crawlers and the rate limit; the defaults when <see langword="null"/>.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (a limit below 1, a window or a lifetime not positive).</exception>
    /// <exception cref="ArgumentException">The visitor cookie's name is empty.</exception>
    /// <example>
    /// <code>
    /// app.MapPaymentLinkRedirect("/go/{name}", new PaymentLinkRedirectOptions
    /// {
    ///     Consent = context => context.Request.Cookies["consent"] == "granted" ? VisitConsent.Granted : VisitConsent.Denied,
    /// });
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapPaymentLinkRedirect(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, PaymentLinkRedirectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        options ??= new PaymentLinkRedirectOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.VisitorCookieName, "options.VisitorCookieName");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.VisitorCookieLifetime, TimeSpan.Zero, "options.VisitorCookieLifetime");
        if (options.PermitsPerClient is { } permits)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1, "options.PermitsPerClient");
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RateLimitWindow, TimeSpan.Zero, "options.RateLimitWindow");
        }

        var endpoint = new RedirectEndpoint(options);
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(endpoint.Dispose);
        return endpoints.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], endpoint.HandleAsync);
    }

    private sealed class RedirectEndpoint : IDisposable
    {
        private readonly PaymentLinkRedirectOptions _options;
        private readonly string[] _moreCrawlers;
        private readonly PartitionedRateLimiter<HttpContext>? _limiter;

        public RedirectEndpoint(PaymentLinkRedirectOptions options)
        {
            _options = options;
            _moreCrawlers = [.. options.MoreCrawlers.Where(crawler => !string.IsNullOrWhiteSpace(crawler))];
            if (options.PermitsPerClient is { } permits)
            {
                var window = options.RateLimitWindow;
                _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetFixedWindowLimiter(
                    ClientAddress.Key(context.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true }));
            }
        }

        public void Dispose() => _limiter?.Dispose();

        public async Task HandleAsync(HttpContext context)
        {
            var clicks = context.RequestServices.GetService<IPaymentLinkClicks>() ?? throw new InvalidOperationException(
                "app.MapPaymentLinkRedirect(...) records clicks in the ledger, and none is registered: add one with AddSqliteLedger(...) or AddPostgreSqlLedger(...).");
            var request = context.Request;
            var name = context.GetRouteValue("name") as string;
            if (string.IsNullOrEmpty(name))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            var click = ReadClick(context, name);
            PaymentLinkRedirect? redirect;
            if (IsClick(context))
            {
                try
                {
                    redirect = await clicks.RecordClickAsync(click, context.RequestAborted).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
                {
                    // The buyer is on the way to pay: a click that cannot be recorded must not stop the payment.
                    var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentLinks.Tracking.AspNetCore.Redirect");
                    EndpointLog.ClickNotRecorded(logger, name, exception.GetType().FullName);
                    redirect = clicks.CreateRedirect(click);
                }
            }
            else
            {
                redirect = clicks.CreateRedirect(click);
            }

            if (redirect is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (redirect.Click?.VisitorId is { } visitor)
            {
                context.Response.Cookies.Append(_options.VisitorCookieName, visitor, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Lax,
                    Secure = request.IsHttps,
                    Path = "/",
                    MaxAge = _options.VisitorCookieLifetime,
                    IsEssential = true,
                });
            }

            // Each click must reach the server, never a cached answer.
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Redirect(redirect.Location.AbsoluteUri, permanent: false);
        }

        /// <summary>Whether the request is a buyer's click: a GET, not a prefetch, not a crawler, within its client's limit.</summary>
        private bool IsClick(HttpContext context)
        {
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method)
                || Says(request.Headers["Sec-Purpose"], "prefetch")
                || Says(request.Headers["Purpose"], "prefetch")
                || Says(request.Headers["X-Moz"], "prefetch")
                || LinkPreviewCrawlers.IsCrawler(request.Headers.UserAgent.ToString(), _moreCrawlers))
            {
                return false;
            }

            if (_limiter is null)
            {
                return true;
            }

            using var lease = _limiter.AttemptAcquire(context);
            return lease.IsAcquired;
        }

        private static bool Says(StringValues header, string word)
        {
            foreach (var value in header)
            {
                if (value is not null && value.Contains(word, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private PaymentLinkClick ReadClick(HttpContext context, string name)
        {
            var request = context.Request;
            var query = request.Query;
            var consented = (_options.Consent?.Invoke(context) ?? VisitConsent.NotReported) == VisitConsent.Granted;
            return new PaymentLinkClick
            {
                LinkName = name,
                VisitorId = request.Cookies[_options.VisitorCookieName],
                Utm = new UtmCodes
                {
                    Source = First(query["utm_source"]),
                    Medium = First(query["utm_medium"]),
                    Campaign = First(query["utm_campaign"]),
                    Term = First(query["utm_term"]),
                    Content = First(query["utm_content"]),
                },
                MerchantReference = First(query["client_reference_id"]),
                Gclid = First(query["gclid"]),
                Gbraid = First(query["gbraid"]),
                Wbraid = First(query["wbraid"]),
                Fbclid = First(query["fbclid"]),
                Ttclid = First(query["ttclid"]),
                Msclkid = First(query["msclkid"]),
                LiFatId = First(query["li_fat_id"]),
                RdtCid = First(query["rdt_cid"]),
                GoogleAnalyticsCookie = request.Cookies["_ga"],
                Fbp = request.Cookies["_fbp"],
                Fbc = request.Cookies["_fbc"],
                Ttp = request.Cookies["_ttp"],
                Referrer = First(request.Headers.Referer),
                LandingUrl = request.GetEncodedUrl(),
                IpAddress = consented ? context.Connection.RemoteIpAddress?.ToString() : null,
                UserAgent = consented ? First(request.Headers.UserAgent) : null,
            };
        }

        private static string? First(StringValues values) => values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values[0];
    }
}
