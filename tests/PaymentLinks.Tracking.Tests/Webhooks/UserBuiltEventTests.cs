using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>Users build events, sessions and results for their own tests, equal to what the parser returns.</summary>
public class UserBuiltEventTests
{
    [Test]
    public void A_built_event_equals_the_parsed_one_with_the_same_fields()
    {
        var parsed = EveryEntryPoint.Event(Parser(), CompletedEventBody(), Header(CompletedEventBody()));
        var session = parsed.Checkout!;

        var built = PaymentLinkEvent.Create(
            parsed.EventId,
            parsed.EventType,
            parsed.Created,
            parsed.Livemode,
            PaymentLinkCheckout.Create(
                session.SessionId,
                session.PaymentLinkId,
                session.ClientReferenceId,
                session.CustomerEmail,
                session.AmountTotal,
                session.Currency,
                session.PaymentStatus,
                session.Status,
                session.Mode,
                session.Metadata,
                session.PaymentIntentId,
                session.SubscriptionId,
                session.AmountTax),
            parsed.ApiVersion);

        built.ShouldBe(parsed);
        session.PaymentIntentId.ShouldBe("pi_1PgafyB7WZ01zgkWSjxsAJo3");
        session.AmountTax.ShouldBe(0);
        built.Kind.ShouldBe(PaymentLinkEventKind.CheckoutCompleted);
        built.ShouldFulfill.ShouldBeTrue();
    }

    [TestCase("checkout.session.completed", PaymentLinkEventKind.CheckoutCompleted)]
    [TestCase("checkout.session.async_payment_succeeded", PaymentLinkEventKind.AsyncPaymentSucceeded)]
    [TestCase("checkout.session.async_payment_failed", PaymentLinkEventKind.AsyncPaymentFailed)]
    [TestCase("checkout.session.expired", PaymentLinkEventKind.CheckoutExpired)]
    [TestCase("checkout.session.Completed", PaymentLinkEventKind.Ignored)]
    [TestCase("payment_intent.succeeded", PaymentLinkEventKind.Ignored)]
    [TestCase("", PaymentLinkEventKind.Ignored)]
    public void A_built_event_takes_its_kind_from_its_type_as_the_parser_does(string type, PaymentLinkEventKind kind)
    {
        var built = PaymentLinkEvent.Create("evt_1", type, Now, checkout: PaymentLinkCheckout.Create("cs_test_1"));

        built.Kind.ShouldBe(kind);
        var body = Body(Envelope(type, CompletedSession()));
        EveryEntryPoint.Event(Parser(), body, Header(body)).Kind.ShouldBe(kind);
    }

    [TestCase("checkout.session.completed")]
    [TestCase("checkout.session.expired")]
    public void A_checkout_session_event_needs_its_session(string type) =>
        Should.Throw<ArgumentException>(() => PaymentLinkEvent.Create("evt_1", type, Now)).ParamName.ShouldBe("checkout");

    [Test]
    public void Another_event_needs_no_session() =>
        PaymentLinkEvent.Create("evt_1", "customer.updated", Now).Checkout.ShouldBeNull();

    [TestCase(null)]
    [TestCase("")]
    public void A_built_event_needs_an_id(string? id) =>
        Should.Throw<ArgumentException>(() => PaymentLinkEvent.Create(id!, "customer.updated", Now));

    [Test]
    public void A_built_event_keeps_its_time_in_UTC()
    {
        var created = new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.FromHours(2));

        var built = PaymentLinkEvent.Create("evt_1", "customer.updated", created);

        built.Created.ShouldBe(created);
        built.Created.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Test]
    public void A_built_event_has_no_payload_for_Stripe_net()
    {
        var built = PaymentLinkEvent.Create("evt_1", "customer.updated", Now);

        Should.Throw<InvalidOperationException>(() => built.ToStripeEvent()).Message.ShouldContain("PaymentLinkEvent.Create");
    }

    [TestCase(CheckoutPaymentStatus.Paid, true)]
    [TestCase(CheckoutPaymentStatus.NoPaymentRequired, true)]
    [TestCase(CheckoutPaymentStatus.Unpaid, false)]
    [TestCase(CheckoutPaymentStatus.Unknown, false)]
    public void A_built_completed_checkout_should_be_fulfilled_when_it_is_settled(CheckoutPaymentStatus status, bool fulfil) =>
        PaymentLinkEvent.Create("evt_1", "checkout.session.completed", Now, checkout: PaymentLinkCheckout.Create("cs_test_1", paymentStatus: status))
            .ShouldFulfill.ShouldBe(fulfil);

    [Test]
    public void A_built_session_copies_its_metadata_and_shows_it_read_only()
    {
        var metadata = new Dictionary<string, string> { ["campaign"] = "spring" };

        var built = PaymentLinkCheckout.Create("cs_test_1", metadata: metadata);
        metadata["campaign"] = "autumn";
        metadata["added"] = "later";

        built.Metadata.ShouldBe(new Dictionary<string, string> { ["campaign"] = "spring" });
        built.Metadata.ShouldBeAssignableTo<IDictionary<string, string>>()!.IsReadOnly.ShouldBeTrue();
    }

    [Test]
    public void A_built_session_refuses_metadata_that_repeats_a_key() =>
        Should.Throw<ArgumentException>(() => PaymentLinkCheckout.Create(
            "cs_test_1", metadata: [new("campaign", "spring"), new("campaign", "autumn")]));

    [Test]
    public void A_built_session_without_metadata_has_none() =>
        PaymentLinkCheckout.Create("cs_test_1").Metadata.ShouldBeEmpty();

    [Test]
    public void A_built_session_needs_an_id() =>
        Should.Throw<ArgumentNullException>(() => PaymentLinkCheckout.Create(null!));

    [Test]
    public void An_accepted_result_holds_its_event_and_no_rejection()
    {
        var built = PaymentLinkEvent.Create("evt_1", "customer.updated", Now);

        var result = PaymentLinkWebhookResult.ForEvent(built);

        result.Succeeded.ShouldBeTrue();
        result.Event.ShouldBeSameAs(built);
        result.Rejection.ShouldBe(PaymentLinkWebhookRejection.None);
        result.RejectionMessage.ShouldBeNull();
    }

    [Test]
    public void An_accepted_result_needs_an_event() =>
        Should.Throw<ArgumentNullException>(() => PaymentLinkWebhookResult.ForEvent(null!));

    [TestCase(PaymentLinkWebhookRejection.MissingHeader)]
    [TestCase(PaymentLinkWebhookRejection.MalformedHeader)]
    [TestCase(PaymentLinkWebhookRejection.NoMatchingSignature)]
    [TestCase(PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    [TestCase(PaymentLinkWebhookRejection.PayloadTooLarge)]
    [TestCase(PaymentLinkWebhookRejection.MalformedJson)]
    [TestCase(PaymentLinkWebhookRejection.NotAnEvent)]
    public void A_refused_result_says_why_in_the_words_of_the_exception(PaymentLinkWebhookRejection rejection)
    {
        var result = PaymentLinkWebhookResult.ForRejection(rejection);

        result.Succeeded.ShouldBeFalse();
        result.Event.ShouldBeNull();
        result.Rejection.ShouldBe(rejection);
        result.RejectionMessage.ShouldBe(new PaymentLinkWebhookException(rejection).Message);
        result.RejectionMessage.ShouldNotBe(PaymentLinkWebhookResult.ForRejection(PaymentLinkWebhookRejection.MalformedHeader == rejection
            ? PaymentLinkWebhookRejection.MissingHeader
            : PaymentLinkWebhookRejection.MalformedHeader).RejectionMessage);
    }

    [Test]
    public void The_parser_refuses_with_the_same_result_a_user_builds()
    {
        var result = Parser().TryParseAsync(new MemoryStream(CompletedEventBody()), "t=1").GetAwaiter().GetResult();

        result.Rejection.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
        result.RejectionMessage.ShouldBe(PaymentLinkWebhookResult.ForRejection(PaymentLinkWebhookRejection.NoMatchingSignature).RejectionMessage);
        result.RejectionMessage!.ShouldNotContain(Secret);
    }

    [TestCase(PaymentLinkWebhookRejection.None)]
    [TestCase((PaymentLinkWebhookRejection)99)]
    [TestCase((PaymentLinkWebhookRejection)(-1))]
    public void A_refused_result_needs_a_reason(PaymentLinkWebhookRejection rejection) =>
        Should.Throw<ArgumentOutOfRangeException>(() => PaymentLinkWebhookResult.ForRejection(rejection));
}
