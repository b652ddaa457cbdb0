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
}
