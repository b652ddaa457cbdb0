namespace PaymentLinks.Tracking;

/// <summary>
/// The fields of a Charge that the ledger needs, read from a <c>charge.refunded</c> event's <c>data.object</c>: which
/// payment it belongs to and how much of it has been refunded so far.
/// </summary>
/// <remarks>
/// <see cref="AmountRefunded"/> is cumulative: the newest charge Stripe sends holds every refund made until then, so the
/// ledger keeps the newest state whatever order the events come in.
/// </remarks>
public sealed record PaymentLinkCharge
{
    /// <summary>Gets the charge's id (<c>ch_...</c>).</summary>
    public required string ChargeId { get; init; }

    /// <summary>
    /// Gets the PaymentIntent the charge belongs to (<c>pi_...</c>), which joins it to a payment-mode Checkout Session or
    /// to a subscription's invoice; <see langword="null"/> when Stripe sent none.
    /// </summary>
    public string? PaymentIntentId { get; init; }

    /// <summary>
    /// Gets the invoice the charge paid (<c>in_...</c>), as API versions before 2025-03-31 name it on the charge;
    /// <see langword="null"/> on later versions, where the invoice's payments name the PaymentIntent instead.
    /// </summary>
    public string? InvoiceId { get; init; }

    /// <summary>Gets the amount charged, in the currency's minor unit.</summary>
    public long Amount { get; init; }

    /// <summary>Gets the amount refunded so far, cumulative, in the currency's minor unit.</summary>
    public long AmountRefunded { get; init; }

    /// <summary>Gets whether the charge is fully refunded.</summary>
    public bool Refunded { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case, if Stripe sent one.</summary>
    public string? Currency { get; init; }

    /// <summary>Returns the charge id.</summary>
    /// <returns>The charge id.</returns>
    public override string ToString() => ChargeId;
}
