using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>
/// The library's log messages. None carries a parameter value or a secret: a dropped value may be a key pasted in the
/// wrong place, so only its parameter and the rule it breaks are logged.
/// </summary>
internal static partial class PaymentLinkTrackingLog
{
    [LoggerMessage(
        EventId = 1,
        EventName = "PaymentLinkParameterDropped",
        Level = LogLevel.Warning,
        Message = "Payment link {LinkName}: {ParameterName} was left out because Stripe would drop it ({Reason}): {Explanation}.")]
    public static partial void ParameterDropped(
        ILogger logger, string linkName, string parameterName, DropReason reason, string explanation);

    [LoggerMessage(
        EventId = 4,
        EventName = "PaymentLinkCampaignKeyLeftOut",
        Level = LogLevel.Warning,
        Message = "Payment link {LinkName}: client_reference_id kept as it is, {Explanation}.")]
    public static partial void CampaignKeyLeftOut(ILogger logger, string linkName, string explanation);

    [LoggerMessage(
        EventId = 2,
        EventName = "PaymentLinkWebhookRejected",
        Level = LogLevel.Warning,
        Message = "Webhook refused ({Reason}): {Description}")]
    public static partial void WebhookRejected(ILogger logger, PaymentLinkWebhookRejection reason, string description);

    [LoggerMessage(
        EventId = 3,
        EventName = "PaymentLinkWebhookAccepted",
        Level = LogLevel.Debug,
        Message = "Webhook accepted: {EventType} {EventId}, Checkout Session {SessionId}.")]
    public static partial void WebhookAccepted(ILogger logger, string eventType, string eventId, string? sessionId);
}
