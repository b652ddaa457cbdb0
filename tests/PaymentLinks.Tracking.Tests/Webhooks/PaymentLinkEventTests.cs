using System.Text;
using NUnit.Framework;
using Shouldly;
using System.Text.Json.Nodes;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

public class PaymentLinkEventTests
{
    [Test]
    public void Reads_a_completed_paid_session_from_the_full_fixture_shape()
    {
        var body = CompletedEventBody();

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.EventId.ShouldBe(EventId);
        paymentLinkEvent.EventType.ShouldBe("checkout.session.completed");
        paymentLinkEvent.Kind.ShouldBe(PaymentLinkEventKind.CheckoutCompleted);
        paymentLinkEvent.Created.ShouldBe(Now.AddSeconds(-2));
        paymentLinkEvent.Livemode.ShouldBeFalse();
        paymentLinkEvent.ApiVersion.ShouldBe(StripeNetApiVersion);
        paymentLinkEvent.ShouldFulfill.ShouldBeTrue();

        var checkout = paymentLinkEvent.Checkout.ShouldNotBeNull();
        checkout.SessionId.ShouldBe("cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY");
        checkout.PaymentLinkId.ShouldBe(PaymentLinkId);
        checkout.ClientReferenceId.ShouldBe(ClientReferenceId);
        checkout.CustomerEmail.ShouldBe(CustomerEmail);
        checkout.AmountTotal.ShouldBe(4200);
        checkout.Currency.ShouldBe("usd");
        checkout.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        checkout.Status.ShouldBe("complete");
        checkout.Mode.ShouldBe("payment");
        checkout.Metadata.ShouldBeEmpty();
    }

    [Test]
    public void Reads_the_open_fixture_session_as_it_is_with_its_nulls()
    {
        var body = Body(Envelope("checkout.session.expired", OpenSession(), livemode: true));

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.Kind.ShouldBe(PaymentLinkEventKind.CheckoutExpired);
        paymentLinkEvent.Livemode.ShouldBeTrue();
        var checkout = paymentLinkEvent.Checkout.ShouldNotBeNull();
        checkout.ClientReferenceId.ShouldBeNull();
        checkout.PaymentLinkId.ShouldBeNull();
        checkout.AmountTotal.ShouldBeNull();
        checkout.Currency.ShouldBeNull();
        checkout.CustomerEmail.ShouldBe("example@example.com");
        checkout.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Unpaid);
        checkout.Status.ShouldBe("open");
    }

    [TestCase("checkout.session.completed", PaymentLinkEventKind.CheckoutCompleted)]
    [TestCase("checkout.session.async_payment_succeeded", PaymentLinkEventKind.AsyncPaymentSucceeded)]
    [TestCase("checkout.session.async_payment_failed", PaymentLinkEventKind.AsyncPaymentFailed)]
    [TestCase("checkout.session.expired", PaymentLinkEventKind.CheckoutExpired)]
    [TestCase("checkout.session.some_future_type", PaymentLinkEventKind.Ignored)]
    [TestCase("Checkout.Session.Completed", PaymentLinkEventKind.Ignored)]
    public void Tells_the_kind_from_the_event_type(string type, PaymentLinkEventKind kind)
    {
        var body = Body(Envelope(type, CompletedSession()));

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.Kind.ShouldBe(kind);
        paymentLinkEvent.EventType.ShouldBe(type);
        paymentLinkEvent.Checkout.ShouldNotBeNull().ClientReferenceId.ShouldBe(ClientReferenceId);
    }

    [Test]
    public void Ignores_an_event_about_another_object_and_gives_it_no_checkout()
    {
        var body = Body(Envelope("payment_link.updated", PaymentLink()));

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.Kind.ShouldBe(PaymentLinkEventKind.Ignored);
        paymentLinkEvent.EventType.ShouldBe("payment_link.updated");
        paymentLinkEvent.Checkout.ShouldBeNull();
        paymentLinkEvent.ShouldFulfill.ShouldBeFalse();
    }

    [TestCase("checkout.session.completed", "paid", true)]
    [TestCase("checkout.session.completed", "no_payment_required", true)]
    [TestCase("checkout.session.completed", "unpaid", false)]
    [TestCase("checkout.session.async_payment_succeeded", "paid", true)]
    [TestCase("checkout.session.async_payment_succeeded", "unpaid", true)]
    [TestCase("checkout.session.completed", "a_future_status", false)]
    [TestCase("checkout.session.completed", "PAID", false)]
    [TestCase("checkout.session.async_payment_failed", "unpaid", false)]
    [TestCase("checkout.session.expired", "unpaid", false)]
    [TestCase("checkout.session.some_future_type", "paid", false)]
    public void Fulfils_only_a_settled_payment(string type, string paymentStatus, bool shouldFulfill)
    {
        var body = Body(Envelope(type, CompletedSession(paymentStatus)));

        EveryEntryPoint.Event(Parser(), body, Header(body)).ShouldFulfill.ShouldBe(shouldFulfill);
    }

    [TestCase("paid", CheckoutPaymentStatus.Paid)]
    [TestCase("unpaid", CheckoutPaymentStatus.Unpaid)]
    [TestCase("no_payment_required", CheckoutPaymentStatus.NoPaymentRequired)]
    [TestCase("a_future_status", CheckoutPaymentStatus.Unknown)]
    [TestCase(null, CheckoutPaymentStatus.Unknown)]
    public void Reads_the_payment_status_as_the_library_wide_enum(string? paymentStatus, CheckoutPaymentStatus expected)
    {
        var session = CompletedSession();
        session["payment_status"] = paymentStatus;
        var body = Body(Envelope("checkout.session.completed", session));

        EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!.PaymentStatus.ShouldBe(expected);
    }

    [TestCase("\"pa\\u0069d\"", CheckoutPaymentStatus.Paid)]
    [TestCase("\"no_payment_require\\u0064\"", CheckoutPaymentStatus.NoPaymentRequired)]
    [TestCase("\"\\u0070\\u0061\\u0069\\u0064\\u0020\\u0070\\u0061\\u0069\\u0064\\u0020\\u0070\\u0061\\u0069\\u0064\"", CheckoutPaymentStatus.Unknown)]
    [TestCase("\"paidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaidpaid\"", CheckoutPaymentStatus.Unknown)]
    public void Reads_the_payment_status_as_its_unescaped_text_of_any_length(string json, CheckoutPaymentStatus expected)
    {
        var body = Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(CompletedEventBody()).Replace("\"payment_status\": \"paid\"", "\"payment_status\": " + json, StringComparison.Ordinal));

        EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!.PaymentStatus.ShouldBe(expected);
    }

    [Test]
    public void Refuses_a_payment_status_escaping_a_lone_surrogate_as_malformed_JSON()
    {
        var body = Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(CompletedEventBody()).Replace("\"payment_status\": \"paid\"", "\"payment_status\": \"pa\\ud800id\"", StringComparison.Ordinal));

        EveryEntryPoint.Rejection(Parser(), body, Header(body)).ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }

    [Test]
    public void Reads_the_session_metadata()
    {
        var session = CompletedSession();
        session["metadata"] = new JsonObject { ["order"] = "8472", ["channel"] = "newsletter", ["note"] = "caf\u00e9 \"quoted\"" };
        var body = Body(Envelope("checkout.session.completed", session));

        var metadata = EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!.Metadata;

        metadata.Count.ShouldBe(3);
        metadata["order"].ShouldBe("8472");
        metadata["channel"].ShouldBe("newsletter");
        metadata["note"].ShouldBe("caf\u00e9 \"quoted\"");
        metadata.ShouldBeAssignableTo<IDictionary<string, string>>()!.IsReadOnly.ShouldBeTrue();
    }

    [Test]
    public void Reads_a_null_api_version_and_null_metadata_and_customer_details()
    {
        var session = CompletedSession();
        session["metadata"] = null;
        session["customer_details"] = null;
        var envelope = Envelope("checkout.session.completed", session);
        envelope["api_version"] = null;
        var body = Body(envelope);

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.ApiVersion.ShouldBeNull();
        paymentLinkEvent.Checkout!.Metadata.ShouldBeEmpty();
        paymentLinkEvent.Checkout.CustomerEmail.ShouldBeNull();
    }

    [Test]
    public void Reads_an_event_whose_type_comes_before_its_object()
    {
        var body = """{"type":"checkout.session.completed","livemode":true,"created":1700000000,"object":"event","id":"evt_1","data":{"object":{"object":"checkout.session","id":"cs_1","payment_status":"paid","client_reference_id":"r-1"}}}"""u8.ToArray();

        var paymentLinkEvent = EveryEntryPoint.Event(Parser(), body, Header(body));

        paymentLinkEvent.Kind.ShouldBe(PaymentLinkEventKind.CheckoutCompleted);
        paymentLinkEvent.Created.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1700000000));
        paymentLinkEvent.Checkout!.SessionId.ShouldBe("cs_1");
        paymentLinkEvent.Checkout.ClientReferenceId.ShouldBe("r-1");
        paymentLinkEvent.ShouldFulfill.ShouldBeTrue();
    }

    [Test]
    public void Parses_a_duplicate_delivery_to_an_equal_event()
    {
        var parser = Parser();
        var first = CompletedEventBody();
        // A retry carries the same event with a fresh signature and, here, a different pending_webhooks count.
        var retry = Body(Envelope("checkout.session.completed", CompletedSession(), pendingWebhooks: 3));
        retry.ShouldNotBe(first);

        var delivered = parser.Parse(first, Header(first, NowSeconds - 60));
        var redelivered = parser.Parse(retry, Header(retry, NowSeconds));
        var sameBytesAgain = parser.Parse(first, Header(first, NowSeconds - 1));

        redelivered.ShouldBe(delivered);
        sameBytesAgain.ShouldBe(delivered);
        (redelivered == delivered).ShouldBeTrue();
        redelivered.GetHashCode().ShouldBe(delivered.GetHashCode());
        redelivered.Checkout.ShouldBe(delivered.Checkout);
    }

    [Test]
    public void Tells_different_events_apart()
    {
        var parser = Parser();
        var paid = CompletedEventBody();
        var other = Body(Envelope("checkout.session.completed", CompletedSession(), id: "evt_other"));
        var unpaid = CompletedEventBody("unpaid");

        var paidEvent = parser.Parse(paid, Header(paid));

        parser.Parse(other, Header(other)).ShouldNotBe(paidEvent);
        parser.Parse(unpaid, Header(unpaid)).ShouldNotBe(paidEvent);
        parser.Parse(unpaid, Header(unpaid)).Checkout.ShouldNotBe(paidEvent.Checkout);
    }

    [Test]
    public void Describes_itself_without_customer_data()
    {
        var body = CompletedEventBody();

        var text = Parser().Parse(body, Header(body)).ToString();

        text.ShouldBe($"checkout.session.completed {EventId}");
        text.ShouldNotContain(CustomerEmail);
    }

    [Test]
    public void Gives_the_whole_event_as_a_Stripe_net_event()
    {
        var body = CompletedEventBody();

        var stripeEvent = Parser().Parse(body, Header(body)).ToStripeEvent();

        stripeEvent.Id.ShouldBe(EventId);
        stripeEvent.Type.ShouldBe("checkout.session.completed");
        var session = stripeEvent.Data.Object.ShouldBeOfType<Stripe.Checkout.Session>();
        session.ClientReferenceId.ShouldBe(ClientReferenceId);
        session.PaymentLinkId.ShouldBe(PaymentLinkId);
        session.SuccessUrl.ShouldBe("https://example.com/success");
        session.CustomerDetails.Email.ShouldBe(CustomerEmail);
    }

    [TestCase("2020-08-27")]
    [TestCase("2024-06-20")]
    [TestCase("2025-03-31.basil")]
    public void Gives_an_event_of_another_api_version_as_a_Stripe_net_event_without_throwing(string apiVersion)
    {
        var body = Body(Envelope("checkout.session.completed", CompletedSession(), apiVersion: apiVersion));
        var text = System.Text.Encoding.UTF8.GetString(body);
        // Stripe.net's own default refuses this event: the case the parser must handle.
        Should.Throw<Stripe.StripeException>(() => Stripe.EventUtility.ParseEvent(text));

        foreach (var paymentLinkEvent in new[] { Parser().Parse(body, Header(body)), Parser().Parse(text, Header(body)) })
        {
            paymentLinkEvent.ApiVersion.ShouldBe(apiVersion);
            var stripeEvent = paymentLinkEvent.ToStripeEvent();
            stripeEvent.ApiVersion.ShouldBe(apiVersion);
            stripeEvent.Id.ShouldBe(EventId);
            stripeEvent.Data.Object.ShouldBeOfType<Stripe.Checkout.Session>().ClientReferenceId.ShouldBe(ClientReferenceId);
        }
    }
}
