namespace PaymentLinks.Tracking;

/// <summary>
/// A payment link's Checkout Session as the ledger keeps it: the fields of its events merged so that the state only
/// moves forward, and its fulfilment's progress. Construct one yourself to test a
/// <see cref="IPaymentLinkFulfillmentHandler"/>.
/// </summary>
public sealed class PaymentLinkSession
{
    /// <summary>Gets the Checkout Session's id (<c>cs_...</c>).</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the id of the payment link (<c>plink_...</c>) the session was created from, if known.</summary>
    public string? PaymentLinkId { get; init; }

    /// <summary>Gets the <c>client_reference_id</c> that was set on the payment link's URL, if any.</summary>
    public string? ClientReferenceId { get; init; }

    /// <summary>Gets the email the customer entered at checkout, if known.</summary>
    public string? CustomerEmail { get; init; }

    /// <summary>Gets the total amount, in the currency's smallest unit, if known.</summary>
    public long? AmountTotal { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case, if known.</summary>
    public string? Currency { get; init; }

    /// <summary>Gets the session's mode (<c>payment</c>, <c>setup</c> or <c>subscription</c>), if known.</summary>
    public string? Mode { get; init; }

    /// <summary>Gets the furthest status seen: <c>open</c>, then <c>complete</c> or <c>expired</c>.</summary>
    public string? Status { get; init; }

    /// <summary>
    /// Gets the furthest <c>payment_status</c> seen: <see cref="CheckoutPaymentStatus.Unpaid"/>, then
    /// <see cref="CheckoutPaymentStatus.Paid"/> or <see cref="CheckoutPaymentStatus.NoPaymentRequired"/>.
    /// </summary>
    public CheckoutPaymentStatus PaymentStatus { get; init; }

    /// <summary>Gets whether the session is in live mode.</summary>
    public bool Livemode { get; init; }

    /// <summary>
    /// Gets the session's metadata (Stripe copies a payment link's metadata to each of its sessions); empty when it has
    /// none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = PaymentLinkCheckout.NoMetadata;

    /// <summary>Gets when the <c>checkout.session.completed</c> event was created, if it was recorded.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// Gets when the session became paid (or completed with no payment required): the time of the event that settled
    /// it. A session with this set is fulfilled.
    /// </summary>
    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>Gets when the <c>checkout.session.async_payment_failed</c> event was created, if it was recorded.</summary>
    public DateTimeOffset? FailedAt { get; init; }

    /// <summary>Gets when the <c>checkout.session.expired</c> event was created, if it was recorded.</summary>
    public DateTimeOffset? ExpiredAt { get; init; }

    /// <summary>Gets how many times the fulfilment handler was started for this session.</summary>
    public int FulfillmentAttempts { get; init; }

    /// <summary>Gets when the fulfilment handler succeeded, or <see langword="null"/> while it has not.</summary>
    public DateTimeOffset? FulfilledAt { get; init; }

    /// <summary>
    /// Gets when fulfilment was given up after <see cref="PaymentLinkLedgerOptions.MaxAttempts"/> tries, or
    /// <see langword="null"/> while it is not parked.
    /// </summary>
    public DateTimeOffset? ParkedAt { get; init; }

    /// <summary>
    /// Gets the last failure of the fulfilment handler: the exception's type and message, or <see langword="null"/>.
    /// </summary>
    public string? LastFulfillmentError { get; init; }

    /// <summary>Returns the session id, without customer data.</summary>
    /// <returns>The session id.</returns>
    public override string ToString() => SessionId;
}
