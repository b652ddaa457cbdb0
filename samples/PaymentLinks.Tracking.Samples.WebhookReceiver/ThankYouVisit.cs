using System.Data.Common;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// Records a thank-you page visit for attribution. Whatever happens, the buyer is still thanked: a visit that cannot be
/// recorded is said on the page and logged, never an error page.
/// </summary>
internal static class ThankYouVisit
{
    /// <returns>What happened, in words for the page.</returns>
    public static async Task<string> RecordAsync(ThankYouPage page, IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
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
            return await attribution.RecordVisitAsync(sessionId, page.Utm, cancellationToken) == VisitOutcome.FirstVisit
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
}
