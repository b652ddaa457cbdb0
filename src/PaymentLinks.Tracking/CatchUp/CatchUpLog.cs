using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>Catch-up's log messages: counts, times and exception types, never a key, an answer's body or customer data.</summary>
internal static partial class CatchUpLog
{
    [LoggerMessage(EventId = 40, EventName = "PaymentLinkCatchUpCompleted", Level = LogLevel.Information,
        Message = "Catch-up from {Since:O} read {Read} events from Stripe: {Recorded} recorded, {AlreadyRecorded} already recorded, {Refused} refused; the watermark is {Watermark:O}.")]
    public static partial void Completed(ILogger logger, DateTimeOffset since, int read, int recorded, int alreadyRecorded, int refused, DateTimeOffset? watermark);

    [LoggerMessage(EventId = 41, EventName = "PaymentLinkCatchUpSkipped", Level = LogLevel.Information,
        Message = "Catch-up skipped: another instance holds the catch-up lease.")]
    public static partial void Skipped(ILogger logger);

    [LoggerMessage(EventId = 42, EventName = "PaymentLinkCatchUpWatermarkBeyondRetention", Level = LogLevel.Warning,
        Message = "The catch-up watermark {Watermark:O} is older than the 30 days Stripe keeps events: catching up from {Since:O}. Events created in between that no webhook delivered are lost.")]
    public static partial void WatermarkBeyondRetention(ILogger logger, DateTimeOffset watermark, DateTimeOffset since);

    [LoggerMessage(EventId = 43, EventName = "PaymentLinkCatchUpFailed", Level = LogLevel.Error,
        Message = "Catch-up failed ({ExceptionType}): {Reason} The next run starts at the watermark.")]
    public static partial void Failed(ILogger logger, string? exceptionType, string reason);

    [LoggerMessage(EventId = 44, EventName = "PaymentLinkCatchUpLeaseNotReleased", Level = LogLevel.Warning,
        Message = "The catch-up lease could not be given back ({ExceptionType}); it runs out by itself.")]
    public static partial void LeaseNotReleased(ILogger logger, string? exceptionType);

    // The id and the reason only: the event's JSON, which may hold a customer's details, stays in the ledger.
    [LoggerMessage(EventId = 45, EventName = "PaymentLinkCatchUpEventRefused", Level = LogLevel.Warning,
        Message = "Catch-up refused event {EventId}: it cannot be read as an event ({Reason}). It is kept in the ledger as refused, and catch-up moves past it.")]
    public static partial void EventRefused(ILogger logger, string eventId, string reason);
}
