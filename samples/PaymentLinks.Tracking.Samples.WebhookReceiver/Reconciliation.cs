using System.Threading.Channels;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// Takes verified events off the queue and logs what reconciling a payment needs. A real application would record the
/// order here, once per event id (Stripe delivers an event at least once).
/// </summary>
internal sealed class Reconciliation(Channel<PaymentLinkEvent> queue, ILogger<Reconciliation> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var paymentLinkEvent in queue.Reader.ReadAllAsync(stoppingToken))
        {
            var checkout = paymentLinkEvent.Checkout;
            ReceiverLog.Reconcile(
                logger,
                paymentLinkEvent.EventType,
                paymentLinkEvent.EventId,
                checkout?.SessionId,
                checkout?.ClientReferenceId,
                checkout?.AmountTotal,
                checkout?.Currency,
                paymentLinkEvent.ShouldFulfill);
        }
    }
}

internal static partial class ReceiverLog
{
    [LoggerMessage(
        EventId = 100,
        Level = LogLevel.Information,
        Message = "Reconcile {EventType} {EventId}: session {SessionId}, client_reference_id {ClientReferenceId}, amount {AmountTotal} {Currency}, fulfil {ShouldFulfill}")]
    public static partial void Reconcile(
        ILogger logger, string eventType, string eventId, string? sessionId, string? clientReferenceId, long? amountTotal, string? currency, bool shouldFulfill);

    [LoggerMessage(
        EventId = 101,
        Level = LogLevel.Warning,
        Message = "The webhook signing secret is the sample's placeholder: set PaymentLinkTracking__SigningSecrets__0 to your endpoint's secret (whsec_...).")]
    public static partial void PlaceholderSecret(ILogger logger);
}
