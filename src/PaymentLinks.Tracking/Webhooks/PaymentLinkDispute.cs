namespace PaymentLinks.Tracking;

/// <summary>
/// The fields of a Dispute that the ledger needs, read from a <c>charge.dispute.created</c> or
/// <c>charge.dispute.closed</c> event's <c>data.object</c>.
/// </summary>
public sealed record PaymentLinkDispute
{
    /// <summary>Gets the dispute's id (<c>du_...</c> or <c>dp_...</c>).</summary>
    public required string DisputeId { get; init; }

    /// <summary>Gets the disputed charge (<c>ch_...</c>), if Stripe sent one.</summary>
    public string? ChargeId { get; init; }

    /// <summary>Gets the PaymentIntent of the disputed charge (<c>pi_...</c>), if any.</summary>
    public string? PaymentIntentId { get; init; }

    /// <summary>Gets the disputed amount, in the currency's minor unit.</summary>
    public long Amount { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case, if Stripe sent one.</summary>
    public string? Currency { get; init; }

    /// <summary>
    /// Gets the dispute's status: <c>warning_needs_response</c>, <c>needs_response</c>, <c>under_review</c> and the like
    /// while open, then <c>won</c> or <c>lost</c>.
    /// </summary>
    public string? Status { get; init; }

    /// <summary>Returns the dispute id.</summary>
    /// <returns>The dispute id.</returns>
    public override string ToString() => DisputeId;
}
