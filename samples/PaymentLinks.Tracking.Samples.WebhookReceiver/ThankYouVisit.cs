using System.Data.Common;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// Records a thank-you page visit for attribution. Whatever happens, the buyer is still thanked: a visit that cannot be
/// recorded is said on the page and logged, never an error page.
/// </summary>
internal static class ThankYouVisit
{
    /// <returns>What happened, in words for the page.</returns>
    public static async Task<string> RecordAsync(
        ThankYouPage page, HttpRequest request, IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        if (page.SessionId is not { } sessionId)
        {
            return page.HasMalformedSessionId
                ? "not recorded: the session_id is not a Checkout Session id"
                : "not recorded: the page has no session_id";
        }

        if (services.GetService<IPaymentLinkAttribution>() is not { } attribution)
        {
            return "not recorded: the ledger keeps no attribution";
        }

        try
        {
            return await attribution.RecordVisitAsync(sessionId, page.Utm, Details(request), cancellationToken) == VisitOutcome.FirstVisit
                ? "recorded: this visit's campaign is the session's"
                : "recorded again: the first visit's campaign stands";
        }
        catch (ArgumentException)
        {
            return "not recorded: the session_id is not a Checkout Session id";
        }
        catch (Exception unavailable) when (unavailable is DbException or TimeoutException)
        {
            ReceiverLog.VisitNotRecorded(logger, sessionId, unavailable.Message);
            return "not recorded: the ledger is unavailable right now";
        }
    }

    /// <summary>
    /// What the page saw of the browser, for forwarding the conversion to GA4 and Meta: their cookies, the user agent,
    /// the page's URL and the IP. The consent is what the page reports (here <c>?consent=granted</c> or <c>denied</c>,
    /// as a consent banner would set it); without it, none of the personal values is sent anywhere.
    /// </summary>
    public static ThankYouVisitDetails Details(HttpRequest request) => new()
    {
        GoogleAnalyticsCookie = request.Cookies["_ga"],
        MetaBrowserCookie = request.Cookies["_fbp"],
        MetaClickCookie = request.Cookies["_fbc"],
        UserAgent = request.Headers.UserAgent.ToString(),
        PageUrl = Microsoft.AspNetCore.Http.Extensions.UriHelper.GetEncodedUrl(request),
        ClientIp = request.HttpContext.Connection.RemoteIpAddress?.ToString(),
        Consent = request.Query["consent"].ToString() switch
        {
            "granted" => VisitConsent.Granted,
            "denied" => VisitConsent.Denied,
            _ => VisitConsent.NotReported,
        },
    };
}
