using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// A verified Stripe webhook event, with the Checkout Session fields that tracking and fulfilment need.
/// </summary>
/// <remarks>
/// <para>
/// Stripe delivers an event at least once: the same event (same <see cref="EventId"/>) can arrive again.
/// Fulfilment must be idempotent: key it on <see cref="EventId"/>, and on
/// <see cref="PaymentLinkCheckout.SessionId"/> when one session can reach you as both
/// <see cref="PaymentLinkEventKind.CheckoutCompleted"/> and <see cref="PaymentLinkEventKind.AsyncPaymentSucceeded"/>.
/// </para>
/// <para>
/// Two events are equal when every property is equal; the raw payload is not compared, since Stripe's
/// retries of one event can differ in fields this type does not read (such as <c>pending_webhooks</c>).
/// </para>
/// </remarks>
public sealed class PaymentLinkEvent : IEquatable<PaymentLinkEvent>
{
    private const string StripeObjectModelIsReflectionBased =
        "Stripe.net deserialises its object model by reflection, which trimming and native AOT cannot preserve. " +
        "Use the typed properties of PaymentLinkEvent in trimmed or AOT applications.";

    // The verified payload, kept as received so that ToStripeEvent can read every field on demand.
    private readonly string? _payloadText;
    private readonly byte[]? _payloadUtf8;

    internal PaymentLinkEvent(
        string eventId,
        string eventType,
        PaymentLinkEventKind kind,
        DateTimeOffset created,
        bool livemode,
        string? apiVersion,
        PaymentLinkCheckout? checkout,
        string? payloadText,
        byte[]? payloadUtf8,
        PaymentLinkCharge? charge = null,
        PaymentLinkRefund? refund = null,
        PaymentLinkDispute? dispute = null,
        PaymentLinkInvoice? invoice = null)
    {
        Charge = charge;
        Refund = refund;
        Dispute = dispute;
        Invoice = invoice;
        EventId = eventId;
        EventType = eventType;
        Kind = kind;
        Created = created;
        Livemode = livemode;
        ApiVersion = apiVersion;
        Checkout = checkout;
        _payloadText = payloadText;
        _payloadUtf8 = payloadUtf8;
    }

    /// <summary>
    /// Creates an event, for instance to test code that handles events without signing a payload. Its
    /// <see cref="Kind"/> follows from <paramref name="eventType"/>, as the parser's does.
    /// </summary>
    /// <param name="eventId">The event's id (<c>evt_...</c>).</param>
    /// <param name="eventType">The event's type as Stripe names it, such as <c>checkout.session.completed</c>.</param>
    /// <param name="created">When Stripe created the event; kept in UTC.</param>
    /// <param name="livemode">Whether the event comes from live mode.</param>
    /// <param name="checkout">The Checkout Session the event is about; required for the <c>checkout.session.*</c> kinds.</param>
    /// <param name="apiVersion">The Stripe API version the event was rendered with, if any.</param>
    /// <param name="charge">The charge of a <c>charge.refunded</c> event; required for that kind.</param>
    /// <param name="refund">The refund of a <c>charge.refund.updated</c> event; required for that kind.</param>
    /// <param name="dispute">The dispute of a <c>charge.dispute.*</c> event; required for those kinds.</param>
    /// <param name="invoice">The invoice of an <c>invoice.paid</c> or <c>invoice_payment.paid</c> event; required for those kinds.</param>
    /// <returns>The event. It holds no payload, so its <see cref="ToStripeEvent"/> throws.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="eventId"/> or <paramref name="eventType"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="eventId"/> is empty, or <paramref name="eventType"/> is a kind this library reads and the object
    /// it is about (<paramref name="checkout"/>, <paramref name="charge"/>, <paramref name="refund"/>,
    /// <paramref name="dispute"/> or <paramref name="invoice"/>) is <see langword="null"/>.
    /// </exception>
    /// <example>
    /// <code>
    /// var paid = PaymentLinkEvent.Create(
    ///     "evt_1", "checkout.session.completed", DateTimeOffset.UtcNow,
    ///     checkout: PaymentLinkCheckout.Create("cs_test_1", clientReferenceId: "order-42", paymentStatus: CheckoutPaymentStatus.Paid));
    /// // paid.ShouldFulfill is true
    /// </code>
    /// </example>
    public static PaymentLinkEvent Create(
        string eventId,
        string eventType,
        DateTimeOffset created,
        bool livemode = false,
        PaymentLinkCheckout? checkout = null,
        string? apiVersion = null,
        PaymentLinkCharge? charge = null,
        PaymentLinkRefund? refund = null,
        PaymentLinkDispute? dispute = null,
        PaymentLinkInvoice? invoice = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentNullException.ThrowIfNull(eventType);
        var kind = KindOf(eventType);
        var (missing, name) = kind switch
        {
            PaymentLinkEventKind.Ignored => (false, string.Empty),
            PaymentLinkEventKind.ChargeRefunded => (charge is null, nameof(charge)),
            PaymentLinkEventKind.RefundUpdated => (refund is null, nameof(refund)),
            PaymentLinkEventKind.DisputeCreated or PaymentLinkEventKind.DisputeClosed => (dispute is null, nameof(dispute)),
            PaymentLinkEventKind.InvoicePaid or PaymentLinkEventKind.InvoicePaymentPaid => (invoice is null, nameof(invoice)),
            _ => (checkout is null, nameof(checkout)),
        };
        if (missing)
        {
            throw new ArgumentException($"A {eventType} event is about its {name}: pass it.", name);
        }

        return new PaymentLinkEvent(
            eventId, eventType, kind, created.ToUniversalTime(), livemode, apiVersion, checkout, null, null, charge, refund, dispute, invoice);
    }

    /// <summary>Gets the event's id (<c>evt_...</c>), the key for processing each event once.</summary>
    public string EventId { get; }

    /// <summary>Gets the event's type as Stripe names it, such as <c>checkout.session.completed</c>.</summary>
    public string EventType { get; }

    /// <summary>Gets the kind of event; <see cref="PaymentLinkEventKind.Ignored"/> for any type this library does not handle.</summary>
    public PaymentLinkEventKind Kind { get; }

    /// <summary>Gets whether the event is about a Checkout Session (one of the <c>checkout.session.*</c> kinds).</summary>
    internal bool IsCheckoutKind => Kind is PaymentLinkEventKind.CheckoutCompleted or PaymentLinkEventKind.AsyncPaymentSucceeded
        or PaymentLinkEventKind.AsyncPaymentFailed or PaymentLinkEventKind.CheckoutExpired;

    /// <summary>Gets when Stripe created the event (UTC).</summary>
    public DateTimeOffset Created { get; }

    /// <summary>Gets whether the event comes from live mode (<see langword="false"/> in test mode).</summary>
    public bool Livemode { get; }

    /// <summary>Gets the Stripe API version the event was rendered with, if Stripe sent one.</summary>
    public string? ApiVersion { get; }

    /// <summary>
    /// Gets the Checkout Session the event is about. Always set for the <c>checkout.session.*</c> kinds;
    /// <see langword="null"/> for the charge, refund, dispute and invoice kinds;
    /// <see langword="null"/> for an <see cref="PaymentLinkEventKind.Ignored"/> event whose object is not a
    /// Checkout Session.
    /// </summary>
    public PaymentLinkCheckout? Checkout { get; }

    /// <summary>Gets the charge of a <see cref="PaymentLinkEventKind.ChargeRefunded"/> event; otherwise <see langword="null"/>.</summary>
    public PaymentLinkCharge? Charge { get; }

    /// <summary>Gets the refund of a <see cref="PaymentLinkEventKind.RefundUpdated"/> event; otherwise <see langword="null"/>.</summary>
    public PaymentLinkRefund? Refund { get; }

    /// <summary>
    /// Gets the dispute of a <see cref="PaymentLinkEventKind.DisputeCreated"/> or
    /// <see cref="PaymentLinkEventKind.DisputeClosed"/> event; otherwise <see langword="null"/>.
    /// </summary>
    public PaymentLinkDispute? Dispute { get; }

    /// <summary>
    /// Gets the invoice of an <see cref="PaymentLinkEventKind.InvoicePaid"/> or
    /// <see cref="PaymentLinkEventKind.InvoicePaymentPaid"/> event; otherwise <see langword="null"/>.
    /// </summary>
    public PaymentLinkInvoice? Invoice { get; }

    /// <summary>
    /// Gets whether the payment is settled and the order can be fulfilled: a completed checkout whose
    /// <c>payment_status</c> is <c>paid</c> or <c>no_payment_required</c>, or a delayed payment that succeeded.
    /// A completed checkout that is still <c>unpaid</c> is settled later by an
    /// <see cref="PaymentLinkEventKind.AsyncPaymentSucceeded"/> event for the same session.
    /// </summary>
    [MemberNotNullWhen(true, nameof(Checkout))]
    public bool ShouldFulfill =>
        Checkout is { } checkout
        && (Kind == PaymentLinkEventKind.AsyncPaymentSucceeded
            || (Kind == PaymentLinkEventKind.CheckoutCompleted
                && checkout.PaymentStatus is CheckoutPaymentStatus.Paid or CheckoutPaymentStatus.NoPaymentRequired));

    /// <summary>
    /// Deserialises the whole verified event into Stripe.net's <see cref="Stripe.Event"/>, for the fields
    /// this type does not carry. Each call returns a new object.
    /// </summary>
    /// <remarks>
    /// An event rendered with another API version than Stripe.net's own is deserialised all the same,
    /// never refused: fields that changed between versions may be missing from the result. Exceptions from
    /// Stripe.net, for a field its model cannot hold, pass through; the typed properties never depend on it.
    /// </remarks>
    /// <returns>The event as Stripe.net's object model.</returns>
    /// <exception cref="InvalidOperationException">The event was built with <see cref="Create"/>, so it has no payload to read.</exception>
    [RequiresUnreferencedCode(StripeObjectModelIsReflectionBased)]
    [RequiresDynamicCode(StripeObjectModelIsReflectionBased)]
    public Stripe.Event ToStripeEvent() =>
        Stripe.EventUtility.ParseEvent(
            _payloadText
                ?? (_payloadUtf8 is null
                    ? throw new InvalidOperationException("This event was built with PaymentLinkEvent.Create and has no payload to read.")
                    : Encoding.UTF8.GetString(_payloadUtf8)),
            throwOnApiVersionMismatch: false);

    /// <inheritdoc/>
    public bool Equals(PaymentLinkEvent? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null
            && EventId == other.EventId
            && EventType == other.EventType
            && Kind == other.Kind
            && Created == other.Created
            && Livemode == other.Livemode
            && ApiVersion == other.ApiVersion
            && Equals(Checkout, other.Checkout)
            && Equals(Charge, other.Charge)
            && Equals(Refund, other.Refund)
            && Equals(Dispute, other.Dispute)
            && Equals(Invoice, other.Invoice);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PaymentLinkEvent);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(EventId, EventType, Created, Checkout);

    /// <summary>Returns the event's type and id, without customer data.</summary>
    /// <returns>For example <c>checkout.session.completed evt_123</c>.</returns>
    public override string ToString() => $"{EventType} {EventId}";

    /// <summary>Compares two events by value.</summary>
    /// <param name="left">The first event.</param>
    /// <param name="right">The second event.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(PaymentLinkEvent? left, PaymentLinkEvent? right) => Equals(left, right);

    /// <summary>Compares two events by value.</summary>
    /// <param name="left">The first event.</param>
    /// <param name="right">The second event.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(PaymentLinkEvent? left, PaymentLinkEvent? right) => !Equals(left, right);

    internal static PaymentLinkEventKind KindOf(string eventType) => eventType switch
    {
        "checkout.session.completed" => PaymentLinkEventKind.CheckoutCompleted,
        "checkout.session.async_payment_succeeded" => PaymentLinkEventKind.AsyncPaymentSucceeded,
        "checkout.session.async_payment_failed" => PaymentLinkEventKind.AsyncPaymentFailed,
        "checkout.session.expired" => PaymentLinkEventKind.CheckoutExpired,
        "charge.refunded" => PaymentLinkEventKind.ChargeRefunded,
        "charge.refund.updated" => PaymentLinkEventKind.RefundUpdated,
        "charge.dispute.created" => PaymentLinkEventKind.DisputeCreated,
        "charge.dispute.closed" => PaymentLinkEventKind.DisputeClosed,
        "invoice.paid" => PaymentLinkEventKind.InvoicePaid,
        "invoice_payment.paid" => PaymentLinkEventKind.InvoicePaymentPaid,
        _ => PaymentLinkEventKind.Ignored,
    };
}
