using System.Collections.ObjectModel;

namespace PaymentLinks.Tracking;

/// <summary>
/// The fields of a Checkout Session that tracking and fulfilment need, read from a webhook event's
/// <c>data.object</c>. Fields absent from the event, or <c>null</c> in it, are <see langword="null"/>.
/// </summary>
/// <remarks>
/// Two values are equal when every field is equal, metadata compared entry by entry.
/// </remarks>
public sealed class PaymentLinkCheckout : IEquatable<PaymentLinkCheckout>
{
    internal static readonly IReadOnlyDictionary<string, string> NoMetadata =
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    internal PaymentLinkCheckout(
        string sessionId,
        string? paymentLinkId,
        string? clientReferenceId,
        string? customerEmail,
        long? amountTotal,
        string? currency,
        CheckoutPaymentStatus paymentStatus,
        string? status,
        string? mode,
        IReadOnlyDictionary<string, string> metadata,
        string? paymentIntentId = null,
        string? subscriptionId = null,
        long? amountTax = null,
        long? amountShipping = null)
    {
        AmountShipping = amountShipping;
        PaymentIntentId = paymentIntentId;
        SubscriptionId = subscriptionId;
        AmountTax = amountTax;
        SessionId = sessionId;
        PaymentLinkId = paymentLinkId;
        ClientReferenceId = clientReferenceId;
        CustomerEmail = customerEmail;
        AmountTotal = amountTotal;
        Currency = currency;
        PaymentStatus = paymentStatus;
        Status = status;
        Mode = mode;
        Metadata = metadata;
    }

    /// <summary>Creates a Checkout Session's fields, for instance to test code that handles events.</summary>
    /// <param name="sessionId">The Checkout Session's id (<c>cs_...</c>).</param>
    /// <param name="paymentLinkId">The id of the payment link (<c>plink_...</c>) the session was created from, if any.</param>
    /// <param name="clientReferenceId">The <c>client_reference_id</c>, if any.</param>
    /// <param name="customerEmail">The email the customer entered, if any.</param>
    /// <param name="amountTotal">The total amount, in the currency's smallest unit, if known.</param>
    /// <param name="currency">The three-letter ISO currency code, in lower case, if known.</param>
    /// <param name="paymentStatus">The session's <c>payment_status</c>.</param>
    /// <param name="status">The session's status (<c>open</c>, <c>complete</c> or <c>expired</c>), if known.</param>
    /// <param name="mode">The session's mode (<c>payment</c>, <c>setup</c> or <c>subscription</c>), if known.</param>
    /// <param name="metadata">The session's metadata, copied; empty when <see langword="null"/>.</param>
    /// <param name="paymentIntentId">The PaymentIntent of a payment-mode session (<c>pi_...</c>), if any.</param>
    /// <param name="subscriptionId">The subscription a subscription-mode session started (<c>sub_...</c>), if any.</param>
    /// <param name="amountTax">The tax in the total (<c>total_details.amount_tax</c>), in the currency's smallest unit, if known.</param>
    /// <param name="amountShipping">
    /// The shipping in the total (<c>total_details.amount_shipping</c>), in the currency's smallest unit, if known.
    /// </param>
    /// <returns>The session's fields.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="metadata"/> repeats a key.</exception>
    /// <example>
    /// <code>
    /// var checkout = PaymentLinkCheckout.Create(
    ///     "cs_test_1", clientReferenceId: "order-42", amountTotal: 4900, currency: "usd",
    ///     paymentStatus: CheckoutPaymentStatus.Paid, status: "complete", mode: "payment");
    /// </code>
    /// </example>
    public static PaymentLinkCheckout Create(
        string sessionId,
        string? paymentLinkId = null,
        string? clientReferenceId = null,
        string? customerEmail = null,
        long? amountTotal = null,
        string? currency = null,
        CheckoutPaymentStatus paymentStatus = CheckoutPaymentStatus.Unknown,
        string? status = null,
        string? mode = null,
        IEnumerable<KeyValuePair<string, string>>? metadata = null,
        string? paymentIntentId = null,
        string? subscriptionId = null,
        long? amountTax = null,
        long? amountShipping = null)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return new PaymentLinkCheckout(
            sessionId,
            paymentLinkId,
            clientReferenceId,
            customerEmail,
            amountTotal,
            currency,
            paymentStatus,
            status,
            mode,
            metadata is null
                ? NoMetadata
                : new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(metadata, StringComparer.Ordinal)),
            paymentIntentId,
            subscriptionId,
            amountTax,
            amountShipping);
    }

    /// <summary>Gets the Checkout Session's id (<c>cs_...</c>).</summary>
    public string SessionId { get; }

    /// <summary>Gets the id of the payment link (<c>plink_...</c>) the session was created from, if any.</summary>
    public string? PaymentLinkId { get; }

    /// <summary>
    /// Gets the <c>client_reference_id</c> that was set on the payment link's URL, the key for reconciling
    /// the payment with your own records.
    /// </summary>
    public string? ClientReferenceId { get; }

    /// <summary>Gets the email the customer entered at checkout (<c>customer_details.email</c>).</summary>
    public string? CustomerEmail { get; }

    /// <summary>Gets the total amount, in the currency's smallest unit (cents for <c>usd</c>).</summary>
    public long? AmountTotal { get; }

    /// <summary>Gets the three-letter ISO currency code, in lower case (<c>usd</c>).</summary>
    public string? Currency { get; }

    /// <summary>
    /// Gets the session's <c>payment_status</c>; <see cref="CheckoutPaymentStatus.Unknown"/> when the event has none
    /// or one this library does not know.
    /// </summary>
    public CheckoutPaymentStatus PaymentStatus { get; }

    /// <summary>Gets the session's status: <c>open</c>, <c>complete</c> or <c>expired</c>.</summary>
    public string? Status { get; }

    /// <summary>Gets the session's mode: <c>payment</c>, <c>setup</c> or <c>subscription</c>.</summary>
    public string? Mode { get; }

    /// <summary>Gets the session's metadata; empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Gets the PaymentIntent of a payment-mode session (<c>pi_...</c>), which joins its refunds and disputes to it;
    /// <see langword="null"/> for other modes or before payment.
    /// </summary>
    public string? PaymentIntentId { get; }

    /// <summary>Gets the subscription a subscription-mode session started (<c>sub_...</c>), which joins its renewals to it.</summary>
    public string? SubscriptionId { get; }

    /// <summary>Gets the tax in the total (<c>total_details.amount_tax</c>), in the currency's smallest unit, if known.</summary>
    public long? AmountTax { get; }

    /// <summary>
    /// Gets the shipping in the total (<c>total_details.amount_shipping</c>), in the currency's smallest unit, if known.
    /// </summary>
    public long? AmountShipping { get; }

    /// <inheritdoc/>
    public bool Equals(PaymentLinkCheckout? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null
            && SessionId == other.SessionId
            && PaymentLinkId == other.PaymentLinkId
            && ClientReferenceId == other.ClientReferenceId
            && CustomerEmail == other.CustomerEmail
            && AmountTotal == other.AmountTotal
            && Currency == other.Currency
            && PaymentStatus == other.PaymentStatus
            && Status == other.Status
            && Mode == other.Mode
            && PaymentIntentId == other.PaymentIntentId
            && SubscriptionId == other.SubscriptionId
            && AmountTax == other.AmountTax
            && AmountShipping == other.AmountShipping
            && MetadataEquals(Metadata, other.Metadata);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PaymentLinkCheckout);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(SessionId, ClientReferenceId, AmountTotal, PaymentStatus, Status, Metadata.Count);

    /// <summary>Returns the session id, without customer data.</summary>
    /// <returns>The session id.</returns>
    public override string ToString() => SessionId;

    /// <summary>Compares two checkout sessions by value.</summary>
    /// <param name="left">The first session.</param>
    /// <param name="right">The second session.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(PaymentLinkCheckout? left, PaymentLinkCheckout? right) => Equals(left, right);

    /// <summary>Compares two checkout sessions by value.</summary>
    /// <param name="left">The first session.</param>
    /// <param name="right">The second session.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(PaymentLinkCheckout? left, PaymentLinkCheckout? right) => !Equals(left, right);

    internal static bool MetadataEquals(IReadOnlyDictionary<string, string> left, IReadOnlyDictionary<string, string> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        foreach (var (key, value) in left)
        {
            if (!right.TryGetValue(key, out var otherValue) || !string.Equals(value, otherValue, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
