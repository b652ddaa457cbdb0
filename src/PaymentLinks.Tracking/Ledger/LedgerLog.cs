using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>The ledger's log messages: session ids, counts and exception types, never a connection string or customer data.</summary>
internal static partial class LedgerLog
{
    [LoggerMessage(EventId = 20, EventName = "PaymentLinkFulfilled", Level = LogLevel.Information,
        Message = "Checkout Session {SessionId} fulfilled (try {Attempt}).")]
    public static partial void Fulfilled(ILogger logger, string sessionId, int attempt);

    [LoggerMessage(EventId = 21, EventName = "PaymentLinkFulfillmentFailed", Level = LogLevel.Warning,
        Message = "Fulfilling Checkout Session {SessionId} failed (try {Attempt}); next try in {RetryDelay}. {Error}")]
    public static partial void FulfillmentFailed(ILogger logger, string sessionId, int attempt, TimeSpan retryDelay, string error);

    [LoggerMessage(EventId = 22, EventName = "PaymentLinkFulfillmentParked", Level = LogLevel.Error,
        Message = "Fulfilling Checkout Session {SessionId} was given up after {Attempts} tries and parked. {Error}")]
    public static partial void FulfillmentParked(ILogger logger, string sessionId, int attempts, string error);

    [LoggerMessage(EventId = 23, EventName = "PaymentLinkFulfillmentLeaseLost", Level = LogLevel.Warning,
        Message = "The handler for Checkout Session {SessionId} returned after its lease ran out; the session stays due and is tried again.")]
    public static partial void FulfillmentLeaseLost(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 24, EventName = "PaymentLinkFulfillmentStoreUnavailable", Level = LogLevel.Warning,
        Message = "The ledger could not be reached for fulfilment ({ExceptionType}); trying again after the poll interval.")]
    public static partial void FulfillmentStoreUnavailable(ILogger logger, string? exceptionType, Exception exception);

    [LoggerMessage(EventId = 25, EventName = "PaymentLinkNoFulfillmentHandler", Level = LogLevel.Information,
        Message = "No IPaymentLinkFulfillmentHandler is registered: the ledger records sessions and fulfils none.")]
    public static partial void NoFulfillmentHandler(ILogger logger);

    [LoggerMessage(EventId = 26, EventName = "PaymentLinkWebhookStoreUnavailable", Level = LogLevel.Error,
        Message = "Webhook {EventType} {EventId} was verified but could not be stored ({ExceptionType}); answer with a 5xx so that Stripe retries.")]
    public static partial void WebhookStoreUnavailable(ILogger logger, string eventType, string eventId, string? exceptionType, Exception exception);

    [LoggerMessage(EventId = 28, EventName = "PaymentLinkClicksWriteFailed", Level = LogLevel.Warning,
        Message = "Writing {Count} queued clicks failed ({ExceptionType}); trying again in {RetryDelay}.")]
    public static partial void ClicksWriteFailed(ILogger logger, int count, TimeSpan retryDelay, string? exceptionType);

    [LoggerMessage(EventId = 29, EventName = "PaymentLinkClicksNotRecorded", Level = LogLevel.Error,
        Message = "{Count} queued clicks were not recorded after {Attempts} tries ({ExceptionType}); their buyers were redirected all the same.")]
    public static partial void ClicksNotRecorded(ILogger logger, int count, int attempts, string? exceptionType);

    // Event ids 70-79: erasure and retention (the other ranges belong to other features).
    [LoggerMessage(EventId = 70, EventName = "PaymentLinkRetentionErased", Level = LogLevel.Information,
        Message = "Personal data of {Count} sessions older than {Retention} was erased.")]
    public static partial void RetentionErased(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(EventId = 71, EventName = "PaymentLinkRetentionFailed", Level = LogLevel.Warning,
        Message = "Erasing personal data past the retention failed ({ExceptionType}); trying again in an hour.")]
    public static partial void RetentionFailed(ILogger logger, string? exceptionType, Exception exception);

    // Event ids 90-99: the report's aggregates.
    [LoggerMessage(EventId = 90, EventName = "PaymentLinkReportMarksFailed", Level = LogLevel.Warning,
        Message = "Working out the report's marks failed ({ExceptionType}); they stay for the next pass, and a report works out what is left before it reads.")]
    public static partial void ReportMarksFailed(ILogger logger, string? exceptionType, Exception exception);
}
