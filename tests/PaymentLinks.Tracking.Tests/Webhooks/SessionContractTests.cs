using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>
/// The Checkout Session and the envelope read through their source-generated contract: the shapes Stripe can give a
/// field, and JSON with more than one fault, where the worst fault decides whichever comes first.
/// </summary>
public class SessionContractTests
{
    [Test]
    public void Reads_the_id_of_an_expanded_payment_intent_and_subscription()
    {
        var session = CompletedSession();
        session["payment_intent"] = new JsonObject { ["id"] = "pi_expanded", ["object"] = "payment_intent", ["amount"] = 4200 };
        session["subscription"] = new JsonObject { ["id"] = "sub_expanded", ["object"] = "subscription", ["items"] = new JsonObject() };
        var body = Body(Envelope("checkout.session.completed", session));

        var checkout = EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!;

        checkout.PaymentIntentId.ShouldBe("pi_expanded");
        checkout.SubscriptionId.ShouldBe("sub_expanded");
    }

    [Test]
    public void Reads_the_tax_and_the_shipping_in_the_total()
    {
        var session = CompletedSession();
        session["total_details"] = new JsonObject { ["amount_discount"] = 0, ["amount_shipping"] = 500, ["amount_tax"] = 2000 };
        var body = Body(Envelope("checkout.session.completed", session));

        var checkout = EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!;

        checkout.AmountTax.ShouldBe(2000);
        checkout.AmountShipping.ShouldBe(500);
    }

    [TestCase("\"payment_intent\": \"pi_1PgafyB7WZ01zgkWSjxsAJo3\"", "\"payment_intent\": 17")]
    [TestCase("\"payment_intent\": \"pi_1PgafyB7WZ01zgkWSjxsAJo3\"", "\"payment_intent\": [\"pi_1\"]")]
    [TestCase("\"payment_intent\": \"pi_1PgafyB7WZ01zgkWSjxsAJo3\"", "\"payment_intent\": {\"id\": 17}")]
    [TestCase("\"amount_tax\": 0", "\"amount_tax\": \"0\"")]
    [TestCase("\"total_details\": {", "\"total_details\": 0, \"ignored\": {")]
    [TestCase("\"metadata\": {}", "\"metadata\": {\"k\": null}")]
    public void Refuses_a_session_field_of_another_type(string field, string replacement)
    {
        var body = Replaced(CompletedEventBody(), field, replacement);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [TestCase("\"amount_total\": \"4200\", \"client_reference_id\": \"order_0001\"", TestName = "Refuses_a_repeated_field_after_a_field_of_another_type_as_malformed_JSON")]
    [TestCase("\"client_reference_id\": \"order_0001\", \"amount_total\": \"4200\"", TestName = "Refuses_a_repeated_field_before_a_field_of_another_type_as_malformed_JSON")]
    [TestCase("\"amount_total\": \"4200\", \"metadata\": {\"k\": \"a\", \"k\": \"b\"}", TestName = "Refuses_a_repeated_metadata_key_after_a_field_of_another_type_as_malformed_JSON")]
    public void Refuses_malformed_JSON_as_such_whichever_fault_comes_first(string replacement)
    {
        var body = Replaced(CompletedEventBody(), "\"amount_total\": 4200", replacement);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [Test]
    public void Refuses_an_unreadable_string_after_a_field_of_another_type_as_malformed_JSON()
    {
        var body = Replaced(
            Replaced(CompletedEventBody(), "\"amount_total\": 4200", "\"amount_total\": \"4200\""),
            "\"mode\": \"payment\"",
            "\"mode\": \"pay\\ud800ment\"");

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [Test]
    public void Refuses_a_field_of_another_type_beside_an_unreadable_string_it_skips_as_not_an_event()
    {
        var body = Replaced(CompletedEventBody(), "\"amount_total\": 4200", "\"amount_total\": \"4200\", \"ignored\": \"\\ud800\"");

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [Test]
    public void Reads_a_charge_whose_fields_named_as_a_session_s_have_other_types()
    {
        var charge = MoneyEvents.Charge("ch_1", "pi_1", 1099, 500);
        charge["metadata"] = "not an object";
        charge["amount_total"] = "not a number";
        charge["customer_details"] = new JsonArray();
        var body = Body(Envelope("charge.refunded", charge));

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.Kind.ShouldBe(PaymentLinkEventKind.ChargeRefunded);
        paymentLinkEvent.Checkout.ShouldBeNull();
        paymentLinkEvent.Charge!.ChargeId.ShouldBe("ch_1");
        paymentLinkEvent.Charge.AmountRefunded.ShouldBe(500);
    }

    [Test]
    public void Refuses_a_charge_that_repeats_its_id_after_a_field_of_another_type_as_malformed_JSON()
    {
        var charge = MoneyEvents.Charge("ch_1", "pi_1", 1099, 500);
        charge["metadata"] = "not an object";
        var body = Replaced(Body(Envelope("charge.refunded", charge)), "\"metadata\": \"not an object\"", "\"metadata\": \"not an object\", \"id\": \"ch_2\"");

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [Test]
    public void Refuses_an_event_whose_session_kind_has_an_object_of_another_type_with_other_field_types()
    {
        var paymentLink = PaymentLink();
        paymentLink["amount_total"] = "not a number";
        var body = Body(Envelope("checkout.session.completed", paymentLink));

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    [Test]
    public void Refuses_an_envelope_field_of_another_type_when_the_object_is_not_a_session()
    {
        var envelope = Envelope("charge.refunded", MoneyEvents.Charge("ch_1", "pi_1", 1099, 500));
        envelope["livemode"] = "false";
        var charge = envelope["data"]!["object"]!.AsObject();
        charge["metadata"] = "not an object";
        var body = Body(envelope);

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.NotAnEvent);
    }

    private static byte[] Replaced(byte[] body, string field, string replacement)
    {
        var json = Encoding.UTF8.GetString(body);
        json.ShouldContain(field);
        var at = json.IndexOf(field, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(string.Concat(json.AsSpan(0, at), replacement, json.AsSpan(at + field.Length)));
    }
}
