using System.Text.Json.Nodes;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>The charge, refund, dispute and invoice events, read from Stripe's shapes by the source-generated contracts.</summary>
public class MoneyEventTests
{
    private static readonly DateTimeOffset Created = SignedWebhooks.Now.AddMinutes(-1);

    [Test]
    public void A_refunded_charge_gives_its_cumulative_refund_and_its_payment_intent()
    {
        var read = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_1", "pi_1", 1099, 500), Created);

        read.Kind.ShouldBe(PaymentLinkEventKind.ChargeRefunded);
        read.Checkout.ShouldBeNull();
        read.Charge.ShouldBe(new PaymentLinkCharge
        {
            ChargeId = "ch_1", PaymentIntentId = "pi_1", Amount = 1099, AmountRefunded = 500, Refunded = false, Currency = "usd",
        });
        read.Created.ShouldBe(Created.AddTicks(-(Created.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Test]
    public void A_charge_of_an_older_api_version_names_its_invoice()
    {
        var read = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_2", "pi_2", 2000, 2000, invoice: "in_9"), Created, apiVersion: MoneyEvents.Acacia);

        read.Charge!.InvoiceId.ShouldBe("in_9");
        read.Charge.Refunded.ShouldBeTrue();
    }

    [TestCase("charge.dispute.created", "needs_response", PaymentLinkEventKind.DisputeCreated)]
    [TestCase("charge.dispute.closed", "lost", PaymentLinkEventKind.DisputeClosed)]
    [TestCase("charge.dispute.closed", "won", PaymentLinkEventKind.DisputeClosed)]
    public void A_dispute_gives_its_amount_status_and_charge(string type, string status, PaymentLinkEventKind kind)
    {
        var read = MoneyEvents.Read(type, MoneyEvents.Dispute("du_1", "ch_1", "pi_1", 1000, status), Created);

        read.Kind.ShouldBe(kind);
        read.Dispute.ShouldBe(new PaymentLinkDispute
        {
            DisputeId = "du_1", ChargeId = "ch_1", PaymentIntentId = "pi_1", Amount = 1000, Currency = "usd", Status = status,
        });
    }

    [Test]
    public void An_updated_refund_gives_its_status()
    {
        var read = MoneyEvents.Read("charge.refund.updated", MoneyEvents.Refund("re_1", "ch_1", "pi_1", 1000, "failed"), Created);

        read.Kind.ShouldBe(PaymentLinkEventKind.RefundUpdated);
        read.Refund!.Status.ShouldBe("failed");
        read.Refund.Amount.ShouldBe(1000);
        read.Refund.ChargeId.ShouldBe("ch_1");
    }

    [Test]
    public void A_paid_invoice_of_the_newer_shape_reads_its_parent_payments_and_total_taxes()
    {
        var paidAt = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var metadata = new JsonObject { ["utm_source"] = "newsletter", ["utm_campaign"] = "spring_sale" };

        var read = MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_1", "sub_1", "subscription_cycle", 2000, 200, paidAt, "pi_9", metadata), Created);

        read.Kind.ShouldBe(PaymentLinkEventKind.InvoicePaid);
        var invoice = read.Invoice.ShouldNotBeNull();
        invoice.SubscriptionId.ShouldBe("sub_1");
        invoice.BillingReason.ShouldBe("subscription_cycle");
        invoice.AmountPaid.ShouldBe(2000);
        invoice.Tax.ShouldBe(200);
        invoice.PaidAt.ShouldBe(paidAt);
        invoice.PaymentIntentIds.ShouldBe(["pi_9"]);
        invoice.ChargeId.ShouldBeNull();
        invoice.SubscriptionMetadata.ShouldBe(new Dictionary<string, string> { ["utm_source"] = "newsletter", ["utm_campaign"] = "spring_sale" }, ignoreOrder: true);
    }

    [Test]
    public void A_paid_invoice_of_the_older_shape_reads_its_subscription_details_payment_intent_charge_and_tax()
    {
        var paidAt = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var metadata = new JsonObject { ["utm_medium"] = "email" };

        var read = MoneyEvents.Read(
            "invoice.paid",
            MoneyEvents.LegacyInvoice("in_2", "sub_2", "subscription_update", 3000, 300, paidAt, "pi_8", "ch_8", metadata),
            Created,
            apiVersion: MoneyEvents.Acacia);

        var invoice = read.Invoice.ShouldNotBeNull();
        invoice.SubscriptionId.ShouldBe("sub_2");
        invoice.BillingReason.ShouldBe("subscription_update");
        invoice.Tax.ShouldBe(300);
        invoice.PaymentIntentIds.ShouldBe(["pi_8"]);
        invoice.ChargeId.ShouldBe("ch_8");
        invoice.SubscriptionMetadata["utm_medium"].ShouldBe("email");
    }

    [Test]
    public void An_invoice_payment_names_the_invoice_and_the_payment_intent_that_paid_it()
    {
        var read = MoneyEvents.Read("invoice_payment.paid", MoneyEvents.InvoicePayment("in_3", "pi_7", 2000), Created);

        read.Kind.ShouldBe(PaymentLinkEventKind.InvoicePaymentPaid);
        read.Invoice!.InvoiceId.ShouldBe("in_3");
        read.Invoice.PaymentIntentIds.ShouldBe(["pi_7"]);
    }

    [Test]
    public void A_redelivered_money_event_reads_equal()
    {
        var charge = MoneyEvents.Charge("ch_1", "pi_1", 1099, 500);
        var first = MoneyEvents.Read("charge.refunded", charge, Created, eventId: "evt_same");
        var again = MoneyEvents.Read("charge.refunded", charge.DeepClone(), Created, eventId: "evt_same");

        again.ShouldBe(first);
    }

    [TestCase("charge.refunded", "dispute")]
    [TestCase("charge.dispute.created", "charge")]
    [TestCase("invoice.paid", "charge")]
    public void A_money_event_whose_object_is_of_another_type_is_not_an_event(string type, string objectType)
    {
        var dataObject = objectType == "charge" ? MoneyEvents.Charge("ch_1", "pi_1", 100, 0) : MoneyEvents.Dispute("du_1", "ch_1", "pi_1", 100, "lost");
        var body = SignedWebhooks.Body(SignedWebhooks.Envelope(type, dataObject));

        EveryEntryPoint.Rejection(SignedWebhooks.Parser(), body, SignedWebhooks.Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [Test]
    public void A_money_field_of_the_wrong_type_is_not_an_event_rather_than_a_crash()
    {
        var charge = MoneyEvents.Charge("ch_1", "pi_1", 100, 0);
        charge["amount_refunded"] = "lots";
        var body = SignedWebhooks.Body(SignedWebhooks.Envelope("charge.refunded", charge));

        EveryEntryPoint.Rejection(SignedWebhooks.Parser(), body, SignedWebhooks.Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [Test]
    public void A_checkout_session_gives_its_payment_intent_subscription_and_tax()
    {
        var session = SignedWebhooks.CompletedSession();
        session["mode"] = "subscription";
        session["payment_intent"] = null;
        session["subscription"] = "sub_42";
        session["total_details"]!["amount_tax"] = 350;
        var body = SignedWebhooks.Body(SignedWebhooks.Envelope("checkout.session.completed", session));

        var checkout = EveryEntryPoint.Event(SignedWebhooks.Parser(), body, SignedWebhooks.Header(body)).Checkout!;

        checkout.SubscriptionId.ShouldBe("sub_42");
        checkout.PaymentIntentId.ShouldBeNull();
        checkout.AmountTax.ShouldBe(350);
    }

    [Test]
    public void A_built_money_event_needs_its_object()
    {
        Should.Throw<ArgumentException>(() => PaymentLinkEvent.Create("evt_1", "charge.refunded", Created)).ParamName.ShouldBe("charge");
        Should.Throw<ArgumentException>(() => PaymentLinkEvent.Create("evt_1", "invoice.paid", Created)).ParamName.ShouldBe("invoice");
        PaymentLinkEvent.Create("evt_1", "charge.dispute.closed", Created, dispute: new PaymentLinkDispute { DisputeId = "du_1", Status = "lost" })
            .Kind.ShouldBe(PaymentLinkEventKind.DisputeClosed);
    }
}
