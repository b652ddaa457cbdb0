using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Checkout;

public class CheckoutPaymentStatusTextTests
{
    [TestCase("paid", CheckoutPaymentStatus.Paid)]
    [TestCase("unpaid", CheckoutPaymentStatus.Unpaid)]
    [TestCase("no_payment_required", CheckoutPaymentStatus.NoPaymentRequired)]
    [TestCase("Paid", CheckoutPaymentStatus.Unknown)]
    [TestCase("paid ", CheckoutPaymentStatus.Unknown)]
    [TestCase("refunded", CheckoutPaymentStatus.Unknown)]
    [TestCase("", CheckoutPaymentStatus.Unknown)]
    [TestCase(null, CheckoutPaymentStatus.Unknown)]
    public void Reads_Stripe_payment_status_exactly_as_Stripe_writes_it(string? text, CheckoutPaymentStatus status) =>
        CheckoutPaymentStatusText.Parse(text).ShouldBe(status);

}
