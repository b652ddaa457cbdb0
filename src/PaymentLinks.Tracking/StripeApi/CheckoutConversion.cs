using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// A completed checkout as the thank-you page sees it: the Checkout Session joined with the UTM codes of the page.
/// </summary>
public sealed class CheckoutConversion
{
    internal CheckoutConversion()
    {
    }

    /// <summary>Gets the Checkout Session id (<c>cs_...</c>): deduplicate conversions on it, the page can be reloaded.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the id of the payment link the session came from (<c>plink_...</c>), or <see langword="null"/>.</summary>
    public string? PaymentLinkId { get; init; }

    /// <summary>Gets the <c>client_reference_id</c> the link carried, or <see langword="null"/>.</summary>
    public string? ClientReferenceId { get; init; }

    /// <summary>Gets the Stripe customer's id (<c>cus_...</c>), or <see langword="null"/> when Checkout created none.</summary>
    public string? CustomerId { get; init; }

    /// <summary>
    /// Gets the email the customer gave at checkout (<c>customer_details.email</c>), else the one the session was created
    /// with (<c>customer_email</c>), or <see langword="null"/>. Personal data: left out of <see cref="ToString"/>.
    /// </summary>
    public string? CustomerEmail { get; init; }

    /// <summary>Gets the total after discounts and taxes, in the currency's smallest unit (cents for <c>usd</c>), or <see langword="null"/>.</summary>
    public long? AmountTotal { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case (e.g. <c>usd</c>), or <see langword="null"/>.</summary>
    public string? Currency { get; init; }

    /// <summary>Gets whether the money is there: a conversion by a delayed payment method can still be <see cref="CheckoutPaymentStatus.Unpaid"/>.</summary>
    public CheckoutPaymentStatus PaymentStatus { get; init; }

    /// <summary>Gets whether the session is a live-mode one (<see langword="false"/> in test mode).</summary>
    public bool Livemode { get; init; }

    /// <summary>Gets the session's metadata: the payment link's metadata, which Stripe copies to each of its sessions.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the UTM codes of the thank-you page, forwarded by Stripe from the link the customer followed.</summary>
    public UtmCodes Utm { get; init; } = UtmCodes.None;

    /// <summary>Describes the conversion, without the customer's email.</summary>
    /// <returns>E.g. <c>cs_test_... from plink_... 2000 usd Paid</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{SessionId} from {PaymentLinkId ?? "no payment link"}: {AmountTotal?.ToString(CultureInfo.InvariantCulture) ?? "no amount"} {Currency} {PaymentStatus}");
}
