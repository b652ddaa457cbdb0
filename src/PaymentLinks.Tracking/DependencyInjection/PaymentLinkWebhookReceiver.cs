using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>
/// Verifies and reads webhook requests with the settings of <see cref="PaymentLinkTrackingOptions"/>, records each
/// verified event in the registered <see cref="IPaymentLinkLedger"/> before returning, and logs each one: a warning with
/// the reason for a refused request, a debug entry for an accepted event, an error for an event the ledger could not
/// store. Registered by <c>services.AddPaymentLinkTracking(...)</c> as a singleton; safe to share between threads.
/// </summary>
/// <remarks>
/// <see cref="PaymentLinkWebhookParser"/> does the verification and logs nothing, so that it can be used anywhere; this
/// is the entry point for an application built on Microsoft.Extensions. It follows the options: a signing secret added
/// to a reloaded configuration (while a secret is rolled) is used from the next request on. Logs never hold a secret,
/// a signature or the payload.
/// <para>
/// Without a ledger registered (no <c>.AddSqliteLedger(...)</c> or <c>.AddPostgreSqlLedger(...)</c>), a verified
/// event is returned as <see cref="PaymentLinkWebhookOutcome.NotStored"/>: the caller must store it before answering
/// <c>2xx</c>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// app.MapPost("/stripe/webhook", async (HttpRequest request, PaymentLinkWebhookReceiver webhooks, CancellationToken cancellationToken) =>
/// {
///     var receipt = await webhooks.ReceiveAsync(request.Body, request.Headers["Stripe-Signature"], cancellationToken);
///     return receipt.Outcome switch
///     {
///         PaymentLinkWebhookOutcome.Stored or PaymentLinkWebhookOutcome.Duplicate => Results.Ok(),
///         PaymentLinkWebhookOutcome.Refused => Results.BadRequest(receipt.Rejection.ToString()),
///         _ => Results.StatusCode(StatusCodes.Status503ServiceUnavailable),
///     };
/// });
/// </code>
/// </example>
public sealed class PaymentLinkWebhookReceiver
{
    private readonly PaymentLinkWebhookReader _reader;
    private readonly ILogger _logger;
    private readonly IPaymentLinkLedger? _ledger;

    internal PaymentLinkWebhookReceiver(PaymentLinkWebhookReader reader, ILogger<PaymentLinkWebhookReceiver> logger, IPaymentLinkLedger? ledger = null)
    {
        _reader = reader;
        _ledger = ledger;
        _logger = logger;
    }

    /// <summary>
    /// Reads a webhook request body, never more than <see cref="PaymentLinkTrackingOptions.MaxPayloadBytes"/> plus one
    /// byte, verifies its <c>Stripe-Signature</c> and reads its event, without throwing for bad input.
    /// </summary>
    /// <param name="body">The raw request body, read from its current position to its end.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>Whether the event was stored, was a duplicate, could not be stored, or why the request was refused.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><see cref="PaymentLinkTrackingOptions.SigningSecrets"/> is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<PaymentLinkWebhookReceipt> ReceiveAsync(Stream body, string? signatureHeader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var activity = PaymentLinkTrackingDiagnostics.Source.StartActivity("paymentlinks.webhook.receive", ActivityKind.Internal);
        var result = await _reader.ReadAsync(body, signatureHeader, cancellationToken).ConfigureAwait(false);
        PaymentLinkWebhookReceipt receipt;
        if (result.Succeeded)
        {
            PaymentLinkTrackingLog.WebhookAccepted(_logger, result.Event.EventType, result.Event.EventId, result.Event.Checkout?.SessionId);
            activity?.SetTag(PaymentLinkTrackingDiagnostics.EventTypeTag, result.Event.EventType);
            activity?.SetTag(PaymentLinkTrackingDiagnostics.SessionIdTag, result.Event.Checkout?.SessionId);
            receipt = await StoreAsync(result.Event, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            PaymentLinkTrackingLog.WebhookRejected(_logger, result.Rejection, PaymentLinkWebhookException.Describe(result.Rejection));
            receipt = PaymentLinkWebhookReceipt.Refused(result.Rejection);
        }

        var outcome = OutcomeName(receipt.Outcome);
        activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome);
        if (!receipt.IsStored && receipt.Outcome != PaymentLinkWebhookOutcome.NotStored)
        {
            activity?.SetStatus(ActivityStatusCode.Error, receipt.Outcome == PaymentLinkWebhookOutcome.Refused ? receipt.Rejection.ToString() : outcome);
        }

        // The event type of a refused request is unknown: it was never read.
        PaymentLinkTrackingDiagnostics.WebhooksReceived.Add(
            1,
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.EventTypeTag, receipt.Event?.EventType ?? "unknown"));
        return receipt;
    }

    internal static string OutcomeName(PaymentLinkWebhookOutcome outcome) => outcome switch
    {
        PaymentLinkWebhookOutcome.Stored => "stored",
        PaymentLinkWebhookOutcome.Duplicate => "duplicate",
        PaymentLinkWebhookOutcome.Refused => "refused",
        PaymentLinkWebhookOutcome.StoreUnavailable => "store_unavailable",
        PaymentLinkWebhookOutcome.NotStored => "not_stored",
        _ => "unknown",
    };

    private async Task<PaymentLinkWebhookReceipt> StoreAsync(PaymentLinkEvent paymentLinkEvent, CancellationToken cancellationToken)
    {
        if (_ledger is null)
        {
            return PaymentLinkWebhookReceipt.NotStored(paymentLinkEvent);
        }

        using var activity = PaymentLinkTrackingDiagnostics.Source.StartActivity("paymentlinks.webhook.store", ActivityKind.Internal);
        activity?.SetTag(PaymentLinkTrackingDiagnostics.SessionIdTag, paymentLinkEvent.Checkout?.SessionId);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await _ledger.RecordAsync(paymentLinkEvent, cancellationToken).ConfigureAwait(false);
            return outcome == LedgerRecordOutcome.Duplicate
                ? PaymentLinkWebhookReceipt.Duplicate(paymentLinkEvent)
                : PaymentLinkWebhookReceipt.Stored(paymentLinkEvent);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            // Whatever the cause, the event is not known to be on disk: never let it become a 2xx.
            activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().FullName);
            LedgerLog.WebhookStoreUnavailable(_logger, paymentLinkEvent.EventType, paymentLinkEvent.EventId, exception.GetType().FullName, exception);
            return PaymentLinkWebhookReceipt.StoreUnavailable(paymentLinkEvent);
        }
        finally
        {
            PaymentLinkTrackingDiagnostics.WebhookStoreDuration.Record(PaymentLinkTrackingDiagnostics.SecondsSince(started));
        }
    }
}
