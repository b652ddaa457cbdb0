namespace PaymentLinks.Tracking;

/// <summary>
/// The fields of a Refund that the ledger needs, read from a <c>charge.refund.updated</c> event's <c>data.object</c>.
/// </summary>
public sealed record PaymentLinkRefund
{
    /// <summary>Gets the refund's id (<c>re_...</c>).</summary>
    public required string RefundId { get; init; }

    /// <summary>Gets the refunded charge (<c>ch_...</c>), if Stripe sent one.</summary>
    public string? ChargeId { get; init; }

    /// <summary>Gets the PaymentIntent of the refunded charge (<c>pi_...</c>), if any.</summary>
    public string? PaymentIntentId { get; init; }

    /// <summary>Gets the refund's amount, in the currency's minor unit.</summary>
    public long Amount { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case, if Stripe sent one.</summary>
    public string? Currency { get; init; }

    /// <summary>Gets the refund's status: <c>pending</c>, <c>requires_action</c>, <c>succeeded</c>, <c>failed</c> or <c>canceled</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Gets when the refund was created (<c>created</c>), if Stripe sent it.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>Returns the refund id.</summary>
    /// <returns>The refund id.</returns>
    public override string ToString() => RefundId;
}
