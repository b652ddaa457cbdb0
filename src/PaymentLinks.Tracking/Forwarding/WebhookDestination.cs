using System.Globalization;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// The merchant's own webhook: one JSON <see cref="ConversionWebhookEvent"/> a request, signed in the
/// <c>PaymentLinks-Signature</c> header like Stripe's webhooks, so that <see cref="ConversionWebhookVerifier"/> accepts it.
/// </summary>
internal sealed class WebhookDestination(WebhookForwardingOptions options, bool assumeConsent, TimeProvider? timeProvider = null) : ConversionDestination(timeProvider ?? TimeProvider.System)
{
    public override ForwardingDestination Destination => ForwardingDestination.Webhook;

    public override IReadOnlyCollection<ForwardingKind> Kinds { get; } = [ForwardingKind.Purchase, ForwardingKind.Renewal, ForwardingKind.Refund, ForwardingKind.RefundReversed];

    protected override IEnumerable<string?> Secrets => [options.Secret];

    public override HttpRequestMessage CreateRequest(IReadOnlyList<OutboxRow> rows, DateTimeOffset now)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Event(rows[0]), ForwardingJson.Default.ConversionWebhookEvent);
        var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = JsonBody(body) };
        request.Headers.TryAddWithoutValidation(
            ConversionWebhookVerifier.SignatureHeaderName, PaymentLinkWebhookSigner.CreateSignatureHeader(body, options.Secret!, now));
        return request;
    }

    public ConversionWebhookEvent Event(OutboxRow row)
    {
        var consent = row.ConsentGranted(assumeConsent);
        var (id, type) = row.Kind switch
        {
            ForwardingKind.Refund => (string.Create(CultureInfo.InvariantCulture, $"conv_{row.SessionId}_refund_{row.RefundKey}"), ConversionWebhookEvent.RefundedType),
            ForwardingKind.Renewal => ($"conv_{row.SessionId}_renewal_{row.RefundKey}", ConversionWebhookEvent.RenewedType),
            ForwardingKind.RefundReversed => ($"conv_{row.SessionId}_refund_reversed_{row.RefundKey}", ConversionWebhookEvent.RefundReversedType),
            _ => ($"conv_{row.SessionId}_paid", ConversionWebhookEvent.PaidType),
        };
        return new ConversionWebhookEvent
        {
            Id = id,
            Type = type,
            Created = row.OccurredAt.ToUnixTimeSeconds(),
            Livemode = row.Livemode,
            SessionId = row.SessionId,
            PaymentLinkId = row.PaymentLinkId,
            ClientReferenceId = row.ClientReferenceId,
            TransactionId = row.TransactionId,
            Amount = row.Amount ?? 0,
            AmountTax = row.AmountTax,
            AmountShipping = row.AmountShipping,
            Currency = row.Currency,
            Value = CurrencyAmounts.MajorUnits(ForwardedMoney.Value(row), row.Currency),
            Consent = consent ? "granted" : "denied",
            CustomerEmail = consent ? row.CustomerEmail : null,
        };
    }
}
