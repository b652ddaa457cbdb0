using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>The endpoints' log messages: reasons, ids and exception types, never a secret, a payload or an email.</summary>
internal static partial class EndpointLog
{
    [LoggerMessage(EventId = 80, EventName = "PaymentLinkWebhookRefused", Level = LogLevel.Warning,
        Message = "A webhook request was refused: {Rejection}.")]
    public static partial void WebhookRefused(ILogger logger, PaymentLinkWebhookRejection rejection);

    [LoggerMessage(EventId = 81, EventName = "PaymentLinkWebhookHandlerFailed", Level = LogLevel.Error,
        Message = "The handler for webhook {EventType} {EventId} failed ({ExceptionType}); answered 503 so that Stripe delivers it again.")]
    public static partial void WebhookHandlerFailed(ILogger logger, string eventType, string eventId, string? exceptionType, Exception exception);

    [LoggerMessage(EventId = 82, EventName = "PaymentLinkVisitNotRecorded", Level = LogLevel.Warning,
        Message = "The thank-you visit for session {SessionId} was not recorded ({ExceptionType}).")]
    public static partial void VisitNotRecorded(ILogger logger, string sessionId, string? exceptionType);

    [LoggerMessage(EventId = 83, EventName = "PaymentLinkSessionNotVerified", Level = LogLevel.Warning,
        Message = "The thank-you visit for session {SessionId} was not recorded: Stripe could not confirm the session ({Outcome}).")]
    public static partial void SessionNotVerified(ILogger logger, string sessionId, CheckoutConversionOutcome outcome);

    [LoggerMessage(EventId = 84, EventName = "PaymentLinkEndpointOpenToLocalRequestsOnly", Level = LogLevel.Warning,
        Message = "{Endpoint} ({Pattern}) has no authorization requirement, so it answers local requests only (403 to others). Chain .RequireAuthorization(...) to open it to the people you choose.")]
    public static partial void LocalOnly(ILogger logger, string endpoint, string pattern);

    [LoggerMessage(EventId = 88, EventName = "PaymentLinkEndpointOpenToLocalRequestsOnlyInDevelopment", Level = LogLevel.Information,
        Message = "{Endpoint} ({Pattern}) has no authorization requirement, so it answers local requests only (403 to others); outside Development this is a warning. Chain .RequireAuthorization(...) to open it to the people you choose.")]
    public static partial void LocalOnlyInDevelopment(ILogger logger, string endpoint, string pattern);

    [LoggerMessage(EventId = 86, EventName = "PaymentLinkStripeLookupCeilingReached", Level = LogLevel.Warning,
        Message = "The thank-you page's Stripe lookups for this minute ({Limit}) are spent: visits of sessions the ledger does not know yet are not verified nor recorded until the minute passes.")]
    public static partial void StripeLookupCeilingReached(ILogger logger, int limit);

    [LoggerMessage(EventId = 85, EventName = "PaymentLinkReportUnavailable", Level = LogLevel.Warning,
        Message = "The ledger could not be read for {Endpoint} ({ExceptionType}).")]
    public static partial void LedgerUnavailable(ILogger logger, string endpoint, string? exceptionType);

    [LoggerMessage(EventId = 87, EventName = "PaymentLinkUnclaimedVisitsFull", Level = LogLevel.Warning,
        Message = "A thank-you visit of a session the ledger does not know was not kept: the most such visits kept at a time (PaymentLinkLedgerOptions.MaxUnclaimedVisits) are kept already. Logged at most once a minute.")]
    public static partial void UnclaimedVisitsFull(ILogger logger);

    [LoggerMessage(EventId = 89, EventName = "PaymentLinkClickNotRecorded", Level = LogLevel.Warning,
        Message = "A click on tracked link {LinkName} was not recorded ({ExceptionType}); the buyer was redirected all the same.")]
    public static partial void ClickNotRecorded(ILogger logger, string linkName, string? exceptionType);
}
