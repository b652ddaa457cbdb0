using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Verifies and reads webhook requests with the signing secrets and limits of <see cref="PaymentLinkTrackingOptions"/>,
/// following their reloads: a secret added while one is rolled is used from the next request on. Registered by
/// <c>services.AddPaymentLinkTracking(...)</c> as a singleton, for an application that keeps its own records (no
/// ledger); safe to share between threads.
/// </summary>
/// <remarks>
/// It stores nothing and logs nothing: record each event id you process and skip repeats before answering <c>2xx</c>.
/// With a ledger, use <see cref="PaymentLinkWebhookReceiver"/>, which stores the event before it returns.
/// </remarks>
/// <example>
/// <code>
/// app.MapPost("/stripe/webhook", async (HttpRequest request, PaymentLinkWebhookReader webhooks, CancellationToken ct) =>
/// {
///     var result = await webhooks.ReadAsync(request.Body, request.Headers["Stripe-Signature"], ct);
///     return result.Succeeded ? Results.Ok() : Results.BadRequest(result.RejectionMessage);
/// });
/// </code>
/// </example>
public sealed class PaymentLinkWebhookReader
{
    private readonly IOptionsMonitor<PaymentLinkTrackingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private ParserForOptions? _current;

    /// <summary>Creates a reader that follows <paramref name="options"/>.</summary>
    /// <param name="options">The options, usually from the container.</param>
    /// <param name="timeProvider">The clock the signature's timestamp is checked against; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public PaymentLinkWebhookReader(IOptionsMonitor<PaymentLinkTrackingOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the largest body, in bytes, that the current options accept.</summary>
    public int MaxPayloadBytes => _options.CurrentValue.MaxPayloadBytes;

    /// <summary>
    /// Reads a webhook request body, never more than <see cref="PaymentLinkTrackingOptions.MaxPayloadBytes"/> plus one
    /// byte, verifies its <c>Stripe-Signature</c> with the current secrets and reads its event, without throwing for
    /// bad input.
    /// </summary>
    /// <param name="body">The raw request body, read from its current position to its end.</param>
    /// <param name="signatureHeader">The value of the <c>Stripe-Signature</c> header.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The event, or why the request was refused.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><see cref="PaymentLinkTrackingOptions.SigningSecrets"/> is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public Task<PaymentLinkWebhookResult> ReadAsync(Stream body, string? signatureHeader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return CurrentParser().TryParseAsync(body, signatureHeader, cancellationToken);
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
