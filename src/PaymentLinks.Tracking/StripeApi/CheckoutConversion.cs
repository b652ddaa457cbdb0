using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// A completed checkout as the thank-you page sees it: the Checkout Session joined with the UTM codes of the page.
/// </summary>
/// <remarks>
/// <see cref="CheckoutConversionReader"/> makes these; <see cref="Create"/> makes one for a test of code that handles
/// conversions.
/// </remarks>
public sealed class CheckoutConversion
{
    private CheckoutConversion(string sessionId)
    {
        SessionId = sessionId;
    }

    /// <summary>Makes a conversion, as <see cref="CheckoutConversionReader"/> does from a complete Checkout Session.</summary>
    /// <param name="sessionId">The Checkout Session id (<c>cs_...</c>).</param>
    /// <param name="paymentLinkId">The payment link's id (<c>plink_...</c>), or <see langword="null"/>.</param>
    /// <param name="clientReferenceId">The <c>client_reference_id</c>, or <see langword="null"/>.</param>
    /// <param name="customerId">The customer's id (<c>cus_...</c>), or <see langword="null"/>.</param>
    /// <param name="customerEmail">The customer's email, or <see langword="null"/>.</param>
    /// <param name="amountTotal">The total in the currency's smallest unit, or <see langword="null"/>.</param>
    /// <param name="currency">The three-letter currency code in lower case, or <see langword="null"/>.</param>
    /// <param name="paymentStatus">The payment status.</param>
    /// <param name="livemode">Whether the session is a live-mode one.</param>
    /// <param name="metadata">The session's metadata; none when <see langword="null"/>.</param>
    /// <param name="utm">The thank-you page's UTM codes; none when <see langword="null"/>.</param>
    /// <returns>The conversion.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is <see langword="null"/>, empty or white space.</exception>
    /// <example>
    /// <code>
    /// var conversion = CheckoutConversion.Create("cs_test_1", amountTotal: 2000, currency: "usd", paymentStatus: CheckoutPaymentStatus.Paid);
    /// </code>
    /// </example>
    public static CheckoutConversion Create(
        string sessionId,
        string? paymentLinkId = null,
        string? clientReferenceId = null,
        string? customerId = null,
        string? customerEmail = null,
        long? amountTotal = null,
        string? currency = null,
        CheckoutPaymentStatus paymentStatus = CheckoutPaymentStatus.Unknown,
        bool livemode = false,
        IReadOnlyDictionary<string, string>? metadata = null,
        UtmCodes? utm = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        return new CheckoutConversion(sessionId)
        {
            PaymentLinkId = paymentLinkId,
            ClientReferenceId = clientReferenceId,
            CustomerId = customerId,
            CustomerEmail = customerEmail,
            AmountTotal = amountTotal,
            Currency = currency,
            PaymentStatus = paymentStatus,
            Livemode = livemode,
            Metadata = metadata ?? new Dictionary<string, string>(),
            Utm = utm ?? UtmCodes.None,
        };
    }

    /// <summary>Gets the Checkout Session id (<c>cs_...</c>): deduplicate conversions on it, the page can be reloaded.</summary>
    public string SessionId { get; }

    /// <summary>Gets the id of the payment link the session came from (<c>plink_...</c>), or <see langword="null"/>.</summary>
    public string? PaymentLinkId { get; private init; }

    /// <summary>Gets the <c>client_reference_id</c> the link carried, or <see langword="null"/>.</summary>
    public string? ClientReferenceId { get; private init; }

    /// <summary>Gets the Stripe customer's id (<c>cus_...</c>), or <see langword="null"/> when Checkout created none.</summary>
    public string? CustomerId { get; private init; }

    /// <summary>
    /// Gets the email the customer gave at checkout (<c>customer_details.email</c>), else the one the session was created
    /// with (<c>customer_email</c>), or <see langword="null"/>. Personal data: left out of <see cref="ToString"/>.
    /// </summary>
    public string? CustomerEmail { get; private init; }

    /// <summary>Gets the total after discounts and taxes, in the currency's smallest unit (cents for <c>usd</c>), or <see langword="null"/>.</summary>
    public long? AmountTotal { get; private init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case (e.g. <c>usd</c>), or <see langword="null"/>.</summary>
    public string? Currency { get; private init; }

    /// <summary>Gets whether the money is there: a conversion by a delayed payment method can still be <see cref="CheckoutPaymentStatus.Unpaid"/>.</summary>
    public CheckoutPaymentStatus PaymentStatus { get; private init; }

    /// <summary>Gets whether the session is a live-mode one (<see langword="false"/> in test mode).</summary>
    public bool Livemode { get; private init; }

    /// <summary>Gets the session's metadata: the payment link's metadata, which Stripe copies to each of its sessions.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private init; } = new Dictionary<string, string>();

    /// <summary>Gets the UTM codes of the thank-you page, forwarded by Stripe from the link the customer followed.</summary>
    public UtmCodes Utm { get; private init; } = UtmCodes.None;

    /// <summary>Describes the conversion, without the customer's email.</summary>
    /// <returns>E.g. <c>cs_test_... from plink_... 2000 usd Paid</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{SessionId} from {PaymentLinkId ?? "no payment link"}: {AmountTotal?.ToString(CultureInfo.InvariantCulture) ?? "no amount"} {Currency} {PaymentStatus}");
}
