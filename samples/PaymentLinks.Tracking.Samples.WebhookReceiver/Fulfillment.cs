using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// Called by the ledger's worker once a session is paid. A real application grants access or ships here, keyed on the
/// session id: the ledger calls it at least once, and again only when a try failed or its process stopped mid-call.
/// </summary>
internal sealed class Fulfillment(ILogger<Fulfillment> logger) : IPaymentLinkFulfillmentHandler
{
    public Task FulfillAsync(PaymentLinkSession session, CancellationToken cancellationToken)
    {
        ReceiverLog.Fulfilling(logger, session.SessionId, session.ClientReferenceId);
        return Task.CompletedTask;
    }
}

internal static partial class ReceiverLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Fulfilling session {SessionId} (client_reference_id {ClientReferenceId})")]
    public static partial void Fulfilling(ILogger logger, string sessionId, string? clientReferenceId);

    // The conversion tag's email is hashed; the raw email is never logged.
    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Conversion for session {SessionId}: {Value} {Currency}, email {EmailState}")]
    public static partial void Conversion(ILogger logger, string sessionId, string value, string currency, string emailState);

}
