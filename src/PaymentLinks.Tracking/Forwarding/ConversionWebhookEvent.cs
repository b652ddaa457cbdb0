using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking;

/// <summary>
/// An event of the signed conversion webhook (<see cref="WebhookForwardingOptions"/>): <c>conversion.paid</c> for a
/// paid Checkout Session, <c>conversion.renewed</c> for a renewal of the subscription it started,
/// <c>conversion.refunded</c> for a refund of either, and <c>conversion.refund_reversed</c> when such a refund failed or
/// was canceled afterwards. Read and verified on the receiving side by <see cref="ConversionWebhookVerifier"/>.
/// </summary>
/// <remarks>
/// The body reads like this:
/// <code>
/// {"id":"conv_cs_live_a1..._paid","type":"conversion.paid","created":1764681600,"livemode":true,
///  "session_id":"cs_live_a1...","payment_link_id":"plink_1...","client_reference_id":"order-42",
///  "transaction_id":"cs_live_a1...","amount":4200,"amount_tax":700,"amount_shipping":0,"currency":"usd","value":35.00,
///  "consent":"granted","customer_email":"buyer@example.com"}
/// </code>
/// A conversion may be delivered more than once (a crash between the receiver's 2xx and its record): use
/// <see cref="Id"/> to take each once.
/// </remarks>
public sealed record ConversionWebhookEvent
{
    /// <summary>The <see cref="Type"/> of a paid session's event.</summary>
    public const string PaidType = "conversion.paid";

    /// <summary>The <see cref="Type"/> of a refund's event.</summary>
    public const string RefundedType = "conversion.refunded";

    /// <summary>The <see cref="Type"/> of a subscription renewal's event.</summary>
    public const string RenewedType = "conversion.renewed";

    /// <summary>The <see cref="Type"/> of the event of a refund that failed or was canceled after it was sent.</summary>
    public const string RefundReversedType = "conversion.refund_reversed";

    /// <summary>Gets the event's id, the same on every delivery of it.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>Gets <see cref="PaidType"/>, <see cref="RenewedType"/>, <see cref="RefundedType"/> or <see cref="RefundReversedType"/>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>
    /// Gets when the money moved, by Stripe's clock, in Unix seconds: when the session or the renewal was paid, the refund
    /// made, or the refund failed.
    /// </summary>
    [JsonPropertyName("created")]
    public long Created { get; init; }

    /// <summary>Gets whether the payment is a live one (<see langword="false"/> for Stripe's test mode).</summary>
    [JsonPropertyName("livemode")]
    public bool Livemode { get; init; }

    /// <summary>Gets the Checkout Session's id (<c>cs_...</c>).</summary>
    [JsonPropertyName("session_id")]
    public required string SessionId { get; init; }

    /// <summary>Gets the payment link's id (<c>plink_...</c>), if known.</summary>
    [JsonPropertyName("payment_link_id")]
    public string? PaymentLinkId { get; init; }

    /// <summary>Gets the session's <c>client_reference_id</c>, if any.</summary>
    [JsonPropertyName("client_reference_id")]
    public string? ClientReferenceId { get; init; }

    /// <summary>
    /// Gets the transaction the event belongs to: the session's id for its purchase and the purchase's refunds, the
    /// invoice's id (<c>in_...</c>) for a renewal and the renewal's refunds.
    /// </summary>
    [JsonPropertyName("transaction_id")]
    public string? TransactionId { get; init; }

    /// <summary>
    /// Gets the amount in the currency's smallest unit, tax and shipping included: the total paid, the amount refunded,
    /// or the amount of the refund that failed.
    /// </summary>
    [JsonPropertyName("amount")]
    public long Amount { get; init; }

    /// <summary>Gets the tax in <see cref="Amount"/> (a refund's share of its transaction's tax), in the smallest unit.</summary>
    [JsonPropertyName("amount_tax")]
    public long AmountTax { get; init; }

    /// <summary>Gets the shipping in <see cref="Amount"/> (a refund's share of its transaction's), in the smallest unit.</summary>
    [JsonPropertyName("amount_shipping")]
    public long AmountShipping { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case as Stripe writes it.</summary>
    [JsonPropertyName("currency")]
    public string? Currency { get; init; }

    /// <summary>
    /// Gets the value Google Analytics and Meta receive: <see cref="Amount"/> without <see cref="AmountTax"/> and
    /// <see cref="AmountShipping"/>, in major units by the currency's exponent (4200 USD is 42.00, 4200 JPY is 4200).
    /// </summary>
    [JsonPropertyName("value")]
    public decimal Value { get; init; }

    /// <summary>Gets the buyer's consent as the thank-you page reported it: <c>granted</c> or <c>denied</c>.</summary>
    [JsonPropertyName("consent")]
    public string? Consent { get; init; }

    /// <summary>Gets the buyer's email, only with consent granted.</summary>
    [JsonPropertyName("customer_email")]
    public string? CustomerEmail { get; init; }

    /// <summary>Returns the event's type and session, without personal data.</summary>
    /// <returns>A description.</returns>
    public override string ToString() => $"{Type} {SessionId}";
}
