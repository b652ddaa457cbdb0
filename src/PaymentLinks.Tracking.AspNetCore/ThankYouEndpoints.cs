using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the page a payment link redirects to after payment onto an ASP.NET Core app.</summary>
public static class PaymentLinkThankYouEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c> as the page a payment link redirects to (its confirmation URL, e.g.
    /// <c>https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}</c>): records the visit's UTM codes for the
    /// session in the ledger, then answers with <see cref="PaymentLinkThankYouOptions.Page"/> or a plain default page.
    /// </summary>
    /// <remarks>
    /// <para>
    /// With <c>services.AddPaymentLinkStripeApi()</c> registered, the session is looked up on Stripe at most once per
    /// session id (the answers are cached, up to <see cref="PaymentLinkThankYouOptions.LookupCacheSize"/> ids), and a
    /// session neither the ledger nor Stripe knows is recorded nowhere, so made-up ids cannot fill the ledger. Without
    /// it, a well-formed id is recorded as it comes (its visit may precede its webhook), one row per session id.
    /// </para>
    /// <para>
    /// Each client may load the page <see cref="PaymentLinkThankYouOptions.PermitsPerClient"/> times per
    /// <see cref="PaymentLinkThankYouOptions.RateLimitWindow"/>, through System.Threading.RateLimiting's partitioned
    /// limiter, the one ASP.NET Core's rate limiting is built on; past it the answer is <c>429</c>. A client is the
    /// connection's address as ASP.NET Core sees it (an IPv6 address counts as its /64, which one subscriber holds
    /// whole; an IPv4-mapped one as its IPv4 address); no header is read. Behind a proxy, use
    /// <c>app.UseForwardedHeaders()</c> with the proxy in <c>KnownProxies</c> or <c>KnownIPNetworks</c> so that the
    /// address is the buyer's, and never trust every proxy. Stripe is asked at most
    /// <see cref="PaymentLinkThankYouOptions.StripeLookupsPerMinute"/> times a minute across all clients, so that no one
    /// spends the merchant's Stripe rate limit; past it a session the ledger does not know is neither verified nor
    /// recorded. The buyer is always thanked: a visit that cannot be recorded is logged, never an error page.
    /// </para>
    /// <para>
    /// The first visit of a session speaks for the buyer. The response binds the browser with a first-party cookie
    /// (<c>pl_browser</c>: a random 128-bit value, <c>HttpOnly</c>, <c>SameSite=Lax</c>, <c>Path=/</c>, <c>Secure</c> on
    /// https; a browser that has one keeps it), passed to the ledger as <see cref="ThankYouVisitDetails.BrowserKey"/>. A
    /// later visit may change the consent or fill in a missing cookie only from that browser; anyone else who opens the
    /// same URL (shared, forwarded, leaked in a referrer) is a revisit and changes nothing that is forwarded. A session
    /// the ledger does not know yet is kept for <see cref="PaymentLinkLedgerOptions.UnclaimedVisitLifetime"/>, and at
    /// most <see cref="PaymentLinkLedgerOptions.MaxUnclaimedVisits"/> of them at a time.
    /// </para>
    /// <para>
    /// The visit is tied to the visitor of the tracked links (<c>app.MapPaymentLinkRedirect(...)</c>) through their
    /// cookie, <see cref="PaymentLinkThankYouOptions.VisitorCookieName"/>, read and never set here: erasing the session
    /// erases that visitor's clicks too.
    /// </para>
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The route, such as <c>/thanks</c>.</param>
    /// <param name="options">The page, the rate limit and the cache; the defaults when <see langword="null"/>.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (a limit or a size below 1, a window or a duration not positive).</exception>
    /// <exception cref="ArgumentException">The visitor cookie's name is empty.</exception>
    /// <example>
    /// <code>
    /// app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions
    /// {
    ///     Page = visit => Results.Content($"&lt;h1&gt;Thank you!&lt;/h1&gt;", "text/html"),
    /// });
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapPaymentLinkThankYou(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, PaymentLinkThankYouOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        options ??= new PaymentLinkThankYouOptions();
        if (options.PermitsPerClient is { } permits)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1, "options.PermitsPerClient");
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RateLimitWindow, TimeSpan.Zero, "options.RateLimitWindow");
        }

        if (options.StripeLookupsPerMinute is { } lookups)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(lookups, 1, "options.StripeLookupsPerMinute");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.VisitorCookieName, "options.VisitorCookieName");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LookupCacheSize, 1, "options.LookupCacheSize");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.LookupCacheDuration, TimeSpan.Zero, "options.LookupCacheDuration");

        var endpoint = new ThankYouEndpoint(options);

        // The cache and the limiter live as long as the app.
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(endpoint.Dispose);
        return endpoints.MapGet(pattern, endpoint.HandleAsync);
    }

    private sealed class ThankYouEndpoint : IDisposable
    {
        /// <summary>The cookie that binds a session's visit details to the browser of its first visit.</summary>
        internal const string BrowserCookie = "pl_browser";

        // 16 random bytes in base64url, without padding.
        private const int BrowserKeyLength = 22;

        private readonly PaymentLinkThankYouOptions _options;
        private readonly PartitionedRateLimiter<HttpContext>? _limiter;
        private readonly RateLimiter? _stripeLookups;
        private readonly MemoryCache _lookups;
        private long _ceilingLoggedAt = long.MinValue;
        private long _unclaimedLoggedAt = long.MinValue;

        public ThankYouEndpoint(PaymentLinkThankYouOptions options)
        {
            _options = options;
            _lookups = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.LookupCacheSize });
            if (options.PermitsPerClient is { } permits)
            {
                var window = options.RateLimitWindow;
                _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetFixedWindowLimiter(
                    ClientAddress.Key(context.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true }));
            }

            if (options.StripeLookupsPerMinute is { } lookups)
            {
                // A sliding minute in six steps: no window edge lets twice the ceiling through.
                _stripeLookups = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = lookups, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6, QueueLimit = 0, AutoReplenishment = true,
                });
            }
        }

        public void Dispose()
        {
            _lookups.Dispose();
            _limiter?.Dispose();
            _stripeLookups?.Dispose();
        }

        public async Task HandleAsync(HttpContext context)
        {
            if (_limiter is not null)
            {
                using var lease = _limiter.AttemptAcquire(context);
                if (!lease.IsAcquired)
                {
                    if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    {
                        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    }

                    await Results.Text("Too many requests; try again in a moment.", "text/plain", Encoding.UTF8, StatusCodes.Status429TooManyRequests)
                        .ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }
            }

            var page = ThankYouPage.Parse(context.Request.GetEncodedUrl());
            var browserKey = page.SessionId is null ? null : BindBrowser(context);
            var (outcome, lookup) = await VisitAsync(page, context, browserKey).ConfigureAwait(false);
            var visit = new PaymentLinkThankYouVisit { HttpContext = context, Page = page, Outcome = outcome, Lookup = lookup };
            var answer = _options.Page is { } render ? render(visit) : DefaultPage(visit);
            await answer.ExecuteAsync(context).ConfigureAwait(false);
        }

        /// <summary>
        /// The browser's key: the one its cookie carries, or a new random one that the response sets. Only the browser
        /// that holds it may change what its session's first visit recorded.
        /// </summary>
        private static string BindBrowser(HttpContext context)
        {
            if (context.Request.Cookies[BrowserCookie] is { Length: BrowserKeyLength } carried && IsBase64Url(carried))
            {
                return carried;
            }

            var key = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
            context.Response.Cookies.Append(BrowserCookie, key, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                Path = "/",
                IsEssential = true,
            });
            return key;

            static bool IsBase64Url(string value) =>
                value.All(c => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');
        }

        private async Task<(PaymentLinkThankYouOutcome Outcome, CheckoutConversionResult? Lookup)> VisitAsync(ThankYouPage page, HttpContext context, string? browserKey)
        {
            if (page.SessionId is not { } sessionId)
            {
                return (page.HasMalformedSessionId ? PaymentLinkThankYouOutcome.MalformedSessionId : PaymentLinkThankYouOutcome.NoSessionId, null);
            }

            var services = context.RequestServices;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PaymentLinkThankYouEndpointRouteBuilderExtensions).FullName!);
            var cancellationToken = context.RequestAborted;
            CheckoutConversionResult? lookup = null;
            var known = false;
            try
            {
                known = services.GetService<IPaymentLinkLedger>() is { } ledger
                    && await ledger.FindSessionAsync(sessionId, cancellationToken).ConfigureAwait(false) is not null;
            }
            catch (Exception exception) when (exception is DbException or TimeoutException or InvalidOperationException)
            {
                EndpointLog.VisitNotRecorded(logger, sessionId, exception.GetType().FullName);
                return (PaymentLinkThankYouOutcome.NotRecorded, null);
            }

            if (services.GetService<CheckoutConversionReader>() is { } reader)
            {
                lookup = await LookUpAsync(reader, page, sessionId, cancellationToken).ConfigureAwait(false);
                if (lookup is null)
                {
                    // The minute's Stripe lookups are spent: a session the ledger knows is still recorded, unverified.
                    LogCeiling(logger);
                    if (!known)
                    {
                        return (PaymentLinkThankYouOutcome.NotVerified, null);
                    }
                }
                else if (!known)
                {
                    switch (lookup.Outcome)
                    {
                        case CheckoutConversionOutcome.Converted or CheckoutConversionOutcome.NotComplete:
                            break;
                        case CheckoutConversionOutcome.SessionNotFound:
                            return (PaymentLinkThankYouOutcome.UnknownSession, lookup);
                        default:
                            EndpointLog.SessionNotVerified(logger, sessionId, lookup.Outcome);
                            return (PaymentLinkThankYouOutcome.NotVerified, lookup);
                    }
                }
            }

            if (services.GetService<IPaymentLinkAttribution>() is not { } attribution)
            {
                return (PaymentLinkThankYouOutcome.NotRecorded, lookup);
            }

            try
            {
                var recorded = await RecordVisitAsync(attribution, sessionId, page, context, browserKey).ConfigureAwait(false);
                switch (recorded)
                {
                    case VisitOutcome.FirstVisit:
                        return (PaymentLinkThankYouOutcome.FirstVisit, lookup);
                    case VisitOutcome.Revisit:
                        return (PaymentLinkThankYouOutcome.Revisit, lookup);
                    default:
                        LogUnclaimedVisitsFull(logger);
                        return (PaymentLinkThankYouOutcome.NotRecorded, lookup);
                }
            }
            catch (Exception exception) when (exception is DbException or TimeoutException or InvalidOperationException)
            {
                EndpointLog.VisitNotRecorded(logger, sessionId, exception.GetType().FullName);
                return (PaymentLinkThankYouOutcome.NotRecorded, lookup);
            }
        }

        /// <summary>
        /// Records the visit with what the page saw of the browser, for forwarding: the GA4 and Meta cookies, the user
        /// agent, the page's URL, the IP and the consent the page reports, bound to the browser by its key.
        /// </summary>
        private Task<VisitOutcome> RecordVisitAsync(
            IPaymentLinkAttribution attribution, string sessionId, ThankYouPage page, HttpContext context, string? browserKey) =>
            attribution.RecordVisitAsync(
                sessionId,
                page.Utm,
                new ThankYouVisitDetails
                {
                    GoogleAnalyticsCookie = context.Request.Cookies["_ga"],
                    MetaBrowserCookie = context.Request.Cookies["_fbp"],
                    MetaClickCookie = context.Request.Cookies["_fbc"],
                    UserAgent = context.Request.Headers.UserAgent.ToString(),
                    PageUrl = context.Request.GetEncodedUrl(),
                    ClientIp = context.Connection.RemoteIpAddress?.ToString(),
                    Consent = _options.Consent?.Invoke(context) ?? VisitConsent.NotReported,
                    BrowserKey = browserKey,
                    VisitorId = context.Request.Cookies[_options.VisitorCookieName],
                },
                context.RequestAborted);

        /// <summary>
        /// Stripe's answer for the session, asked once per session id; an answer that may change (an error) is not kept.
        /// <see langword="null"/> when the minute's lookups are spent and the answer is not known already.
        /// </summary>
        private async Task<CheckoutConversionResult?> LookUpAsync(CheckoutConversionReader reader, ThankYouPage page, string sessionId, CancellationToken cancellationToken)
        {
            if (_lookups.TryGetValue(sessionId, out CheckoutConversionResult? cached) && cached is not null)
            {
                return cached;
            }

            using var lease = _stripeLookups?.AttemptAcquire();
            if (lease is { IsAcquired: false })
            {
                return null;
            }

            // Two loads of one page at the same moment may both ask; every later one finds the answer.
            var result = await reader.ReadAsync(page, cancellationToken).ConfigureAwait(false);
            if (result.Outcome is CheckoutConversionOutcome.Converted or CheckoutConversionOutcome.NotComplete or CheckoutConversionOutcome.SessionNotFound)
            {
                _lookups.Set(sessionId, result, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.LookupCacheDuration });
            }

            return result;
        }

        /// <summary>Says that the ceiling is reached, once a minute at most: a flood of made-up sessions is not a flood of logs.</summary>
        private void LogCeiling(ILogger logger)
        {
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _ceilingLoggedAt);
            if ((last == long.MinValue || now - last >= 60_000) && Interlocked.CompareExchange(ref _ceilingLoggedAt, now, last) == last)
            {
                EndpointLog.StripeLookupCeilingReached(logger, _options.StripeLookupsPerMinute ?? 0);
            }
        }

        /// <summary>Says that unclaimed visits are at their bound, once a minute at most, without the session's id.</summary>
        private void LogUnclaimedVisitsFull(ILogger logger)
        {
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _unclaimedLoggedAt);
            if ((last == long.MinValue || now - last >= 60_000) && Interlocked.CompareExchange(ref _unclaimedLoggedAt, now, last) == last)
            {
                EndpointLog.UnclaimedVisitsFull(logger);
            }
        }

        private static IResult DefaultPage(PaymentLinkThankYouVisit visit)
        {
            var detail = visit.Outcome switch
            {
                PaymentLinkThankYouOutcome.FirstVisit or PaymentLinkThankYouOutcome.Revisit => "Your payment has been received. A confirmation is on its way to your inbox.",
                _ => "If you have just paid, a confirmation is on its way to your inbox.",
            };
            var html = new StringBuilder(512)
                .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Thank you</title>\n")
                .Append("<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2937}</style>\n")
                .Append("</head>\n<body>\n<main>\n<h1>Thank you for your order</h1>\n<p>")
                .Append(HtmlEncoder.Default.Encode(detail))
                .Append("</p>\n</main>\n</body>\n</html>\n");
            return Results.Content(html.ToString(), "text/html", Encoding.UTF8);
        }
    }
}
