using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
    private readonly IOptionsMonitor<PaymentLinkTrackingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IPaymentLinkLedger? _ledger;
    private ParserForOptions? _current;

    internal PaymentLinkWebhookReceiver(
        IOptionsMonitor<PaymentLinkTrackingOptions> options, TimeProvider timeProvider, ILogger<PaymentLinkWebhookReceiver> logger,
        IPaymentLinkLedger? ledger = null)
    {
        _ledger = ledger;
        _options = options;
        _timeProvider = timeProvider;
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
        var result = await CurrentParser().TryParseAsync(body, signatureHeader, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            PaymentLinkTrackingLog.WebhookAccepted(_logger, result.Event.EventType, result.Event.EventId, result.Event.Checkout?.SessionId);
        }
        else
        {
            PaymentLinkTrackingLog.WebhookRejected(_logger, result.Rejection, PaymentLinkWebhookException.Describe(result.Rejection));
            return PaymentLinkWebhookReceipt.Refused(result.Rejection);
        }

        return await StoreAsync(result.Event, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PaymentLinkWebhookReceipt> StoreAsync(PaymentLinkEvent paymentLinkEvent, CancellationToken cancellationToken)
    {
        if (_ledger is null)
        {
            return PaymentLinkWebhookReceipt.NotStored(paymentLinkEvent);
        }

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
            LedgerLog.WebhookStoreUnavailable(_logger, paymentLinkEvent.EventType, paymentLinkEvent.EventId, exception.GetType().FullName, exception);
            return PaymentLinkWebhookReceipt.StoreUnavailable(paymentLinkEvent);
        }
    }

    private PaymentLinkWebhookParser CurrentParser()
    {
        // The monitor hands out the same instance until the options change: one parser per version. The pair is one
        // immutable object, swapped whole, so a request never sees new options with an old parser.
        var options = _options.CurrentValue;
        var current = Volatile.Read(ref _current);
        if (current is null || !ReferenceEquals(current.Options, options))
        {
            // Two threads may build the same version at once; either result is right, and one is kept.
            current = new ParserForOptions(options, new PaymentLinkWebhookParser(options.ToWebhookOptions(), _timeProvider));
            Volatile.Write(ref _current, current);
        }

        return current.Parser;
    }

    private sealed record ParserForOptions(PaymentLinkTrackingOptions Options, PaymentLinkWebhookParser Parser);
}
