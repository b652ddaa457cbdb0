namespace PaymentLinks.Tracking;

/// <summary>
/// The fields of an Invoice that the ledger needs, read from an <c>invoice.paid</c> event's <c>data.object</c> (or, for
/// <see cref="PaymentLinkEventKind.InvoicePaymentPaid"/>, from an Invoice Payment): the subscription it bills, why, how
/// much was paid and with which PaymentIntent.
/// </summary>
/// <remarks>
/// Both of Stripe's shapes are read: before API version 2025-03-31 the invoice names <c>subscription</c>,
/// <c>subscription_details.metadata</c>, <c>payment_intent</c>, <c>charge</c> and <c>tax</c>; from then on
/// <c>parent.subscription_details.subscription</c> and <c>.metadata</c>, its <c>payments</c> and <c>total_taxes</c>.
/// Two values are equal when every field is equal, the metadata and PaymentIntents compared entry by entry.
/// </remarks>
public sealed record PaymentLinkInvoice
{
    /// <summary>Gets the invoice's id (<c>in_...</c>).</summary>
    public required string InvoiceId { get; init; }

    /// <summary>Gets the subscription the invoice bills (<c>sub_...</c>), if any.</summary>
    public string? SubscriptionId { get; init; }

    /// <summary>
    /// Gets why the invoice was made: <c>subscription_create</c> (the first, paid by the Checkout Session itself),
    /// <c>subscription_cycle</c> (a renewal), <c>subscription_update</c>, <c>manual</c> and others.
    /// </summary>
    public string? BillingReason { get; init; }

    /// <summary>Gets the amount paid, in the currency's minor unit.</summary>
    public long AmountPaid { get; init; }

    /// <summary>Gets the tax on the invoice, in the currency's minor unit (<c>total_taxes</c> summed, or <c>tax</c>).</summary>
    public long Tax { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case, if Stripe sent one.</summary>
    public string? Currency { get; init; }

    /// <summary>Gets when the invoice was paid (<c>status_transitions.paid_at</c>), if Stripe sent it.</summary>
    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>Gets the charge that paid it, as API versions before 2025-03-31 name it; otherwise <see langword="null"/>.</summary>
    public string? ChargeId { get; init; }

    /// <summary>Gets the PaymentIntents that paid it (<c>payment_intent</c>, or the <c>payments</c> listed); empty when none is named.</summary>
    public IReadOnlyList<string> PaymentIntentIds { get; init; } = [];

    /// <summary>
    /// Gets the subscription's metadata as the invoice carries it, which a payment link sets with
    /// <c>subscription_data.metadata</c> (its <c>utm_*</c> keys attribute a renewal whose first session is not known);
    /// empty when none.
    /// </summary>
    public IReadOnlyDictionary<string, string> SubscriptionMetadata { get; init; } = PaymentLinkCheckout.NoMetadata;

    /// <inheritdoc/>
    public bool Equals(PaymentLinkInvoice? other) =>
        other is not null
        && InvoiceId == other.InvoiceId
        && SubscriptionId == other.SubscriptionId
        && BillingReason == other.BillingReason
        && AmountPaid == other.AmountPaid
        && Tax == other.Tax
        && Currency == other.Currency
        && PaidAt == other.PaidAt
        && ChargeId == other.ChargeId
        && PaymentIntentIds.SequenceEqual(other.PaymentIntentIds)
        && PaymentLinkCheckout.MetadataEquals(SubscriptionMetadata, other.SubscriptionMetadata);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(InvoiceId, SubscriptionId, AmountPaid, PaidAt);

    /// <summary>Returns the invoice id.</summary>
    /// <returns>The invoice id.</returns>
    public override string ToString() => InvoiceId;
}
