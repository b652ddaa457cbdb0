namespace PaymentLinks.Tracking;

/// <summary>The <c>payment_status</c> of a Checkout Session.</summary>
public enum CheckoutPaymentStatus
{
    /// <summary>A status this library does not know.</summary>
    Unknown,

    /// <summary><c>paid</c>: the funds are available.</summary>
    Paid,

    /// <summary>
    /// <c>unpaid</c>: not yet paid. A complete session can be unpaid with a delayed payment method (bank debits,
    /// vouchers); <c>checkout.session.async_payment_succeeded</c> follows within 2 to 14 days, or
    /// <c>checkout.session.async_payment_failed</c>.
    /// </summary>
    Unpaid,

    /// <summary><c>no_payment_required</c>: nothing to pay now (a free trial, a 100% discount).</summary>
    NoPaymentRequired,
}
