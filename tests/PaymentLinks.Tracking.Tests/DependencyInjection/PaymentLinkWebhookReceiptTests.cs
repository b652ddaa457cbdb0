using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

public class PaymentLinkWebhookReceiptTests
{
    [TestCase(PaymentLinkWebhookOutcome.Stored, true)]
    [TestCase(PaymentLinkWebhookOutcome.Duplicate, true)]
    [TestCase(PaymentLinkWebhookOutcome.StoreUnavailable, false)]
    [TestCase(PaymentLinkWebhookOutcome.NotStored, false)]
    public void Only_a_stored_or_duplicate_event_is_safe_to_acknowledge(PaymentLinkWebhookOutcome outcome, bool isStored)
    {
        var paymentLinkEvent = CheckoutEvents.ForNewSession().Completed();
        var receipt = outcome switch
        {
            PaymentLinkWebhookOutcome.Stored => PaymentLinkWebhookReceipt.Stored(paymentLinkEvent),
            PaymentLinkWebhookOutcome.Duplicate => PaymentLinkWebhookReceipt.Duplicate(paymentLinkEvent),
            PaymentLinkWebhookOutcome.StoreUnavailable => PaymentLinkWebhookReceipt.StoreUnavailable(paymentLinkEvent),
            _ => PaymentLinkWebhookReceipt.NotStored(paymentLinkEvent),
        };

        receipt.Outcome.ShouldBe(outcome);
        receipt.IsStored.ShouldBe(isStored);
        receipt.Event.ShouldBeSameAs(paymentLinkEvent);
        receipt.Rejection.ShouldBe(PaymentLinkWebhookRejection.None);
        receipt.ToString().ShouldBe($"{outcome} checkout.session.completed {paymentLinkEvent.EventId}");
    }

    [Test]
    public void A_refused_receipt_carries_its_reason_and_no_event()
    {
        var receipt = PaymentLinkWebhookReceipt.Refused(PaymentLinkWebhookRejection.NoMatchingSignature);

        receipt.Outcome.ShouldBe(PaymentLinkWebhookOutcome.Refused);
        receipt.IsStored.ShouldBeFalse();
        receipt.Event.ShouldBeNull();
        receipt.Rejection.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
        Should.Throw<ArgumentOutOfRangeException>(() => PaymentLinkWebhookReceipt.Refused(PaymentLinkWebhookRejection.None));
        Should.Throw<ArgumentNullException>(() => PaymentLinkWebhookReceipt.Stored(null!));
    }
}
