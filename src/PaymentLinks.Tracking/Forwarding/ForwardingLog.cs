using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>The forwarding worker's log messages: session ids and destinations, never a secret or personal data.</summary>
internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 70, EventName = "PaymentLinkConversionSent", Level = LogLevel.Debug, Message = "{Destination} accepted {Count} conversion(s), the first for session {SessionId}.")]
    public static partial void Sent(ILogger logger, string destination, int count, string sessionId);

    [LoggerMessage(EventId = 71, EventName = "PaymentLinkConversionWillRetry", Level = LogLevel.Warning, Message = "{Destination} will be tried again for session {SessionId} after try {Attempt}, in {Wait}: {Error}")]
    public static partial void WillRetry(ILogger logger, string destination, string sessionId, int attempt, TimeSpan wait, string? error);

    [LoggerMessage(EventId = 72, EventName = "PaymentLinkConversionRefused", Level = LogLevel.Error, Message = "{Destination} refused {Count} conversion(s), the first for session {SessionId}; not tried again until retried: {Error}")]
    public static partial void Refused(ILogger logger, string destination, int count, string sessionId, string? error);

    [LoggerMessage(EventId = 73, EventName = "PaymentLinkConversionDead", Level = LogLevel.Error, Message = "{Destination} failed for session {SessionId} on every one of {Attempts} tries; the conversion is dead: {Error}")]
    public static partial void Dead(ILogger logger, string destination, string sessionId, int attempts, string? error);

    [LoggerMessage(EventId = 74, EventName = "PaymentLinkConversionTooOld", Level = LogLevel.Warning, Message = "{Destination} is not sent the conversion of session {SessionId}: {Reason}")]
    public static partial void TooOld(ILogger logger, string destination, string sessionId, string reason);

    [LoggerMessage(EventId = 76, EventName = "PaymentLinkForwardingPaused", Level = LogLevel.Warning, Message = "{Destination} answered with retries for every recent request; it is paused for {Pause}, then probed with one conversion: {Error}")]
    public static partial void Paused(ILogger logger, string destination, TimeSpan pause, string? error);

    [LoggerMessage(EventId = 79, EventName = "PaymentLinkForwardingResumed", Level = LogLevel.Information, Message = "{Destination} answered again after a pause; {Count} conversion(s) put off during it are due now.")]
    public static partial void Resumed(ILogger logger, string destination, int count);

    [LoggerMessage(EventId = 77, EventName = "PaymentLinkForwardingSentDeleted", Level = LogLevel.Information, Message = "Deleted {Count} sent conversion(s) from the outbox, sent more than {Retention} ago.")]
    public static partial void SentDeleted(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(EventId = 78, EventName = "PaymentLinkConversionWithheld", Level = LogLevel.Warning, Message = "{Destination} is not sent the conversion of session {SessionId}: {Reason}")]
    public static partial void Withheld(ILogger logger, string destination, string sessionId, string reason);

    [LoggerMessage(EventId = 75, EventName = "PaymentLinkForwardingStoreUnavailable", Level = LogLevel.Error, Message = "The forwarding outbox could not be read or written ({ExceptionType}); trying again.")]
    public static partial void StoreUnavailable(ILogger logger, string? exceptionType, Exception exception);
}
