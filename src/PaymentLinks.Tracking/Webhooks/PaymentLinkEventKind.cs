namespace PaymentLinks.Tracking;

/// <summary>The kinds of webhook event that a payment link's checkout produces.</summary>
public enum PaymentLinkEventKind
{
    /// <summary>
    /// Any other event type. Its <see cref="PaymentLinkEvent.Checkout"/> is set only when the event's
    /// object is a Checkout Session.
    /// </summary>
    Ignored = 0,

    /// <summary><c>checkout.session.completed</c>: the customer finished the checkout; the payment may still be pending.</summary>
    CheckoutCompleted,

    /// <summary><c>checkout.session.async_payment_succeeded</c>: a delayed payment (bank debit, voucher) was confirmed.</summary>
    AsyncPaymentSucceeded,

    /// <summary><c>checkout.session.async_payment_failed</c>: a delayed payment failed.</summary>
    AsyncPaymentFailed,

    /// <summary><c>checkout.session.expired</c>: the session expired before the customer paid.</summary>
    CheckoutExpired,

    /// <summary><c>charge.refunded</c>: a charge was refunded, in part or in full; <see cref="PaymentLinkEvent.Charge"/> holds the cumulative amount.</summary>
    ChargeRefunded,

    /// <summary><c>charge.refund.updated</c>: a refund changed; <see cref="PaymentLinkEvent.Refund"/> holds it.</summary>
    RefundUpdated,

    /// <summary><c>charge.dispute.created</c>: a customer disputed a charge; <see cref="PaymentLinkEvent.Dispute"/> holds it.</summary>
    DisputeCreated,

    /// <summary><c>charge.dispute.closed</c>: a dispute was <c>won</c> or <c>lost</c>; <see cref="PaymentLinkEvent.Dispute"/> holds it.</summary>
    DisputeClosed,

    /// <summary><c>invoice.paid</c>: an invoice was paid, such as a subscription's renewal; <see cref="PaymentLinkEvent.Invoice"/> holds it.</summary>
    InvoicePaid,

    /// <summary>
    /// <c>invoice_payment.paid</c>: a payment of an invoice succeeded (API versions from 2025-03-31), which names the
    /// PaymentIntent that paid it; <see cref="PaymentLinkEvent.Invoice"/> holds the invoice's id and that PaymentIntent.
    /// </summary>
    InvoicePaymentPaid,
}
