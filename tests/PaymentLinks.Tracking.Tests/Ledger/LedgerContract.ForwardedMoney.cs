using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// What money leaves the ledger, checked against each platform's rules: tax and shipping, renewals, refunds in Stripe's
/// order (none), dated when the money moved, and refunds that fail afterwards.
/// </summary>
public abstract partial class LedgerContract
{
    [Test]
    public async Task GA4s_value_is_without_tax_or_shipping_which_go_in_tax_and_shipping_and_Meta_and_the_webhook_get_the_same_value()
    {
        var instance = Forwarder(options => options.AssumeConsent = true);
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];
        await instance.Ledger.RecordAsync(Session(
            sessionId, DateTimeOffset.UtcNow.AddMinutes(-10), paymentIntent: paymentIntent, amount: 12_500, tax: 2_000, shipping: 500, livemode: true));
        await DrainAsync(instance);

        var purchase = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldHaveSingleItem()["events"]![0]!["params"]!;
        purchase["value"]!.GetValue<decimal>().ShouldBe(100.00m);
        purchase["tax"]!.GetValue<decimal>().ShouldBe(20.00m);
        purchase["shipping"]!.GetValue<decimal>().ShouldBe(5.00m);
        purchase["items"]![0]!["price"]!.GetValue<decimal>().ShouldBe(100.00m);
        purchase["items"]![0]!["quantity"]!.GetValue<int>().ShouldBe(1);
        Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem()["data"]![0]!["custom_data"]!["value"]!.GetValue<decimal>().ShouldBe(100.00m);
        var paid = Destinations.Accepted(ForwardingDestination.Webhook).ShouldHaveSingleItem();
        (paid["amount"]!.GetValue<long>(), paid["amount_tax"]!.GetValue<long>(), paid["amount_shipping"]!.GetValue<long>()).ShouldBe((12_500L, 2_000L, 500L));
        paid["value"]!.GetValue<decimal>().ShouldBe(100.00m);

        // Half refunded: half of each part, so that the purchase less its refunds is what the report keeps.
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 12_500, 6_250), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance);

        var refund = Destinations.Accepted(ForwardingDestination.GoogleAnalytics)[1]["events"]![0]!;
        refund["name"]!.GetValue<string>().ShouldBe("refund");
        (refund["params"]!["value"]!.GetValue<decimal>(), refund["params"]!["tax"]!.GetValue<decimal>(), refund["params"]!["shipping"]!.GetValue<decimal>())
            .ShouldBe((50.00m, 10.00m, 2.50m));
        Destinations.Accepted(ForwardingDestination.Webhook)[1]["value"]!.GetValue<decimal>().ShouldBe(50.00m);
    }

    [Test]
    public async Task A_renewal_goes_to_GA4_and_the_webhook_as_a_conversion_of_its_own_and_its_refund_against_its_own_transaction()
    {
        var instance = Forwarder(options => options.AssumeConsent = true);
        var sessionId = NewLiveSessionId();
        var id = sessionId[8..];
        var subscription = "sub_" + id;
        var paidAt = DateTimeOffset.UtcNow.AddHours(-30);
        await instance.Ledger.RecordAsync(Session(sessionId, paidAt, subscription: subscription, amount: 2_400, tax: 400, livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_create_" + id, subscription, "subscription_create", 2_400, 400, paidAt, "pi_create_" + id), paidAt, livemode: true));
        var renewedAt = DateTimeOffset.UtcNow.AddHours(-2);
        var cycle = "in_cycle_" + id;
        var renewal = MoneyEvents.Invoice(cycle, subscription, "subscription_cycle", 2_400, 400, renewedAt, "pi_cycle_" + id);
        await instance.Ledger.RecordAsync(MoneyEvents.Read("invoice.paid", renewal, renewedAt, livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("invoice.paid", renewal.DeepClone(), renewedAt.AddSeconds(5), livemode: true));
        await DrainAsync(instance);

        // Sent side by side, in either order (the order of a conversion's own events is the worker's).
        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics)
            .OrderBy(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>() == cycle).ToList();
        ga.Count.ShouldBe(2);
        ga[0]["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>().ShouldBe(sessionId);
        var renewed = ga[1]["events"]![0]!;
        renewed["name"]!.GetValue<string>().ShouldBe("purchase");
        renewed["params"]!["transaction_id"]!.GetValue<string>().ShouldBe(cycle);
        (renewed["params"]!["value"]!.GetValue<decimal>(), renewed["params"]!["tax"]!.GetValue<decimal>()).ShouldBe((20.00m, 4.00m));
        ga[1]["timestamp_micros"]!.GetValue<long>().ShouldBe(renewedAt.ToUnixTimeSeconds() * 1_000_000);

        // The first session's client id: GA4 joins the renewal to the buyer who came through the campaign.
        ga[1]["client_id"]!.GetValue<string>().ShouldBe(ga[0]["client_id"]!.GetValue<string>());
        Destinations.Accepted(ForwardingDestination.Meta).Count.ShouldBe(1);
        var hooks = Destinations.Accepted(ForwardingDestination.Webhook).OrderBy(hook => hook["type"]!.GetValue<string>() == ConversionWebhookEvent.RenewedType).ToList();
        hooks.Select(hook => hook["type"]!.GetValue<string>()).ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RenewedType]);
        (hooks[1]["transaction_id"]!.GetValue<string>(), hooks[1]["id"]!.GetValue<string>(), hooks[1]["created"]!.GetValue<long>())
            .ShouldBe((cycle, $"conv_{sessionId}_renewal_{cycle}", renewedAt.ToUnixTimeSeconds()));

        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_cycle_" + id, "pi_cycle_" + id, 2_400, 2_400), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance);

        var refund = Destinations.Accepted(ForwardingDestination.GoogleAnalytics)[2]["events"]![0]!;
        (refund["name"]!.GetValue<string>(), refund["params"]!["transaction_id"]!.GetValue<string>(), refund["params"]!["value"]!.GetValue<decimal>())
            .ShouldBe(("refund", cycle, 20.00m));
        var refunded = Destinations.Accepted(ForwardingDestination.Webhook)[2];
        (refunded["type"]!.GetValue<string>(), refunded["transaction_id"]!.GetValue<string>()).ShouldBe((ConversionWebhookEvent.RefundedType, cycle));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Meta_gets_a_renewal_as_a_Purchase_of_its_own_only_with_SendRenewals(bool sendRenewals)
    {
        var instance = Forwarder(options =>
        {
            options.Meta.SendRenewals = sendRenewals;
            options.AssumeConsent = true;
        }, [ForwardingDestination.Meta]);
        var sessionId = NewLiveSessionId();
        var id = sessionId[8..];
        await instance.Ledger.RecordAsync(Session(sessionId, DateTimeOffset.UtcNow.AddDays(-2), subscription: "sub_" + id, amount: 2_400, livemode: true));
        var renewedAt = DateTimeOffset.UtcNow.AddMinutes(-3);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_cycle_" + id, "sub_" + id, "subscription_cycle", 2_400, 0, renewedAt, "pi_cycle_" + id), renewedAt, livemode: true));
        await DrainAsync(instance);

        var events = Destinations.Accepted(ForwardingDestination.Meta).SelectMany(body => body["data"]!.AsArray()).ToList();
        events.Select(meta => meta!["event_id"]!.GetValue<string>()).ShouldBe(sendRenewals ? [sessionId, "in_cycle_" + id] : [sessionId]);
        events.ShouldAllBe(meta => meta!["event_name"]!.GetValue<string>() == "Purchase");
        if (sendRenewals)
        {
            events[1]!["custom_data"]!["order_id"]!.GetValue<string>().ShouldBe("in_cycle_" + id);
        }
    }

    [Test]
    public async Task Stripe_does_not_order_events_so_a_refund_recorded_before_its_session_goes_out_after_its_purchase()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];
        var refundedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 4_200, 1_000), refundedAt, livemode: true));
        await instance.Ledger.RecordAsync(Session(sessionId, DateTimeOffset.UtcNow.AddMinutes(-20), paymentIntent: paymentIntent, livemode: true));
        await DrainAsync(instance);

        // Both enter the outbox with the purchase, the refund after it; which reaches the destination first is the worker's.
        var rows = (await instance.Forwarding.ListAsync()).OrderBy(row => row.Id).Where(row => row.Destination == ForwardingDestination.GoogleAnalytics).ToList();
        rows.Select(row => row.Kind).ShouldBe([ForwardingKind.Purchase, ForwardingKind.Refund]);
        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics);
        ga.Select(body => body["events"]![0]!["name"]!.GetValue<string>()).ShouldBe(["purchase", "refund"], ignoreOrder: true);
        var refund = ga.Single(body => body["events"]![0]!["name"]!.GetValue<string>() == "refund");
        refund["events"]![0]!["params"]!["value"]!.GetValue<decimal>().ShouldBe(10.00m);
        refund["timestamp_micros"]!.GetValue<long>().ShouldBe(refundedAt.ToUnixTimeSeconds() * 1_000_000);
        var hooks = Destinations.Accepted(ForwardingDestination.Webhook);
        hooks.Select(body => body["type"]!.GetValue<string>()).ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RefundedType], ignoreOrder: true);

        // The rest, later: keyed apart from the first.
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 4_200, 4_200), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance);
        Destinations.Accepted(ForwardingDestination.Webhook).Where(body => body["type"]!.GetValue<string>() == ConversionWebhookEvent.RefundedType)
            .Select(body => body["amount"]!.GetValue<long>()).ShouldBe([1_000L, 3_200L]);
    }

    [Test]
    public async Task A_refund_goes_out_only_for_a_session_whose_purchase_went_out()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        var (plain, test) = (NewLiveSessionId(), $"cs_test_{Guid.NewGuid():N}");
        var now = DateTimeOffset.UtcNow;
        await instance.Ledger.RecordAsync(Session(plain, now.AddMinutes(-20), paymentIntent: "pi_" + plain[8..], livemode: true, paymentLink: null));
        await instance.Ledger.RecordAsync(Session(test, now.AddMinutes(-20), paymentIntent: "pi_" + test[8..]));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + plain[8..], "pi_" + plain[8..], 4_200, 4_200), now, livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + test[8..], "pi_" + test[8..], 4_200, 4_200), now));
        await DrainAsync(instance);

        (await instance.Forwarding.ListAsync()).ShouldBeEmpty();
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldBeEmpty();
        Destinations.Accepted(ForwardingDestination.Webhook).ShouldBeEmpty();
    }

    [Test]
    public async Task A_refund_recorded_50_hours_late_is_dated_when_Stripe_made_it_and_still_within_GA4s_72_hour_window()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];
        await instance.Ledger.RecordAsync(Session(sessionId, DateTimeOffset.UtcNow.AddHours(-60), paymentIntent: paymentIntent, livemode: true));
        await DrainAsync(instance);
        var refundedAt = DateTimeOffset.UtcNow.AddHours(-50);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 4_200, 4_200), refundedAt, livemode: true));
        await DrainAsync(instance);

        Destinations.Accepted(ForwardingDestination.GoogleAnalytics)[1]["timestamp_micros"]!.GetValue<long>().ShouldBe(refundedAt.ToUnixTimeSeconds() * 1_000_000);
        Destinations.Accepted(ForwardingDestination.Webhook)[1]["created"]!.GetValue<long>().ShouldBe(refundedAt.ToUnixTimeSeconds());
        (await instance.Forwarding.ListAsync()).Single(row => row.Kind == ForwardingKind.Refund && row.Destination == ForwardingDestination.Webhook)
            .OccurredAt.ToUnixTimeSeconds().ShouldBe(refundedAt.ToUnixTimeSeconds());
    }

    [Test]
    public async Task A_refund_that_fails_after_it_went_out_reaches_the_webhook_as_refund_reversed_and_never_GA4_or_Meta()
    {
        var instance = Forwarder(options => options.AssumeConsent = true);
        var (sessionId, never) = (NewLiveSessionId(), NewLiveSessionId());
        var paymentIntent = "pi_" + sessionId[8..];
        var chargeId = "ch_" + sessionId[8..];
        await instance.Ledger.RecordAsync(Session(sessionId, DateTimeOffset.UtcNow.AddHours(-3), paymentIntent: paymentIntent, livemode: true));
        await instance.Ledger.RecordAsync(Session(never, DateTimeOffset.UtcNow.AddHours(-3), paymentIntent: "pi_" + never[8..], livemode: true));
        var refundedAt = DateTimeOffset.UtcNow.AddHours(-2);
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(chargeId, paymentIntent, 4_200, 1_500), refundedAt, livemode: true));
        await DrainAsync(instance);

        var failedAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        var failed = MoneyEvents.Refund("re_" + sessionId[8..], chargeId, paymentIntent, 1_500, "failed", created: refundedAt);
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refund.updated", failed, failedAt, livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refund.updated", failed.DeepClone(), failedAt.AddMinutes(1), livemode: true));

        // A refund that never went out has nothing to reverse.
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refund.updated", MoneyEvents.Refund("re_" + never[8..], "ch_" + never[8..], "pi_" + never[8..], 1_000, "failed"), failedAt, livemode: true));
        await DrainAsync(instance);

        var hooks = Destinations.Accepted(ForwardingDestination.Webhook).Where(hook => hook["session_id"]!.GetValue<string>() == sessionId).ToList();
        hooks.Select(hook => hook["type"]!.GetValue<string>())
            .ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RefundedType, ConversionWebhookEvent.RefundReversedType], ignoreOrder: true);
        hooks[2]["type"]!.GetValue<string>().ShouldBe(ConversionWebhookEvent.RefundReversedType);
        var reversed = hooks[2];
        (reversed["id"]!.GetValue<string>(), reversed["amount"]!.GetValue<long>(), reversed["created"]!.GetValue<long>(), reversed["transaction_id"]!.GetValue<string>())
            .ShouldBe(($"conv_{sessionId}_refund_reversed_re_{sessionId[8..]}", 1_500L, failedAt.ToUnixTimeSeconds(), sessionId));
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count(body => body["events"]![0]!["name"]!.GetValue<string>() == "refund").ShouldBe(1);
        Destinations.Accepted(ForwardingDestination.Meta).SelectMany(body => body["data"]!.AsArray()).Count().ShouldBe(2);
        var rows = await instance.Forwarding.ListAsync(limit: 100);
        rows.Where(row => row.Kind == ForwardingKind.RefundReversed).ShouldHaveSingleItem().Destination.ShouldBe(ForwardingDestination.Webhook);
    }
}
