using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// The outbox's retention against what comes after it: a sent purchase or renewal deleted after
/// <see cref="PaymentLinkForwardingOptions.SentRetention"/> still takes its refunds and renewals where it went, and never
/// goes out twice.
/// </summary>
public abstract partial class LedgerContract
{
    private static readonly ForwardingDestination[] RefundDestinations = [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook];

    [Test]
    public async Task A_refund_after_the_sent_purchase_expired_still_goes_out()
    {
        var instance = Forwarder(on: RefundDestinations);
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];
        await instance.Ledger.RecordAsync(Session(sessionId, DateTimeOffset.UtcNow.AddMinutes(-10), paymentIntent: paymentIntent, livemode: true));
        await DrainAsync(instance);
        await ExpireSentAsync(instance, 2);

        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 4_200, 1_000), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance);

        var refund = Destinations.Accepted(ForwardingDestination.GoogleAnalytics)[^1]["events"]![0]!;
        (refund["name"]!.GetValue<string>(), refund["params"]!["transaction_id"]!.GetValue<string>(), refund["params"]!["value"]!.GetValue<decimal>())
            .ShouldBe(("refund", sessionId, 10.00m));
        var refunded = Destinations.Accepted(ForwardingDestination.Webhook)[^1];
        (refunded["type"]!.GetValue<string>(), refunded["transaction_id"]!.GetValue<string>(), refunded["amount"]!.GetValue<long>())
            .ShouldBe((ConversionWebhookEvent.RefundedType, sessionId, 1_000L));
        (await instance.Forwarding.ListAsync()).ShouldAllBe(row => row.Kind == ForwardingKind.Refund && row.State == ForwardingState.Sent);
    }

    [Test]
    public async Task A_renewal_after_the_sent_purchase_expired_still_goes_out_and_its_refund_after_the_renewal_expired_too()
    {
        var instance = Forwarder(on: RefundDestinations);
        var sessionId = NewLiveSessionId();
        var id = sessionId[8..];
        var subscription = "sub_" + id;
        await instance.Ledger.RecordAsync(Session(sessionId, DateTimeOffset.UtcNow.AddHours(-2), subscription: subscription, amount: 2_400, livemode: true));
        await DrainAsync(instance);
        await ExpireSentAsync(instance, 2);

        var cycle = "in_cycle_" + id;
        var renewedAt = DateTimeOffset.UtcNow.AddMinutes(-3);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice(cycle, subscription, "subscription_cycle", 2_400, 0, renewedAt, "pi_cycle_" + id), renewedAt, livemode: true));
        await DrainAsync(instance);

        var renewed = Destinations.Accepted(ForwardingDestination.GoogleAnalytics)[^1]["events"]![0]!;
        (renewed["name"]!.GetValue<string>(), renewed["params"]!["transaction_id"]!.GetValue<string>()).ShouldBe(("purchase", cycle));
        var hook = Destinations.Accepted(ForwardingDestination.Webhook)[^1];
        (hook["type"]!.GetValue<string>(), hook["transaction_id"]!.GetValue<string>()).ShouldBe((ConversionWebhookEvent.RenewedType, cycle));

        // The renewal expires in turn: its refund still goes out against it, and the invoice paid again adds nothing.
        await ExpireSentAsync(instance, 2);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice(cycle, subscription, "subscription_cycle", 2_400, 0, renewedAt, "pi_cycle_" + id), renewedAt.AddSeconds(5), livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_cycle_" + id, "pi_cycle_" + id, 2_400, 2_400), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Select(body => body["events"]![0]!).ToList();
        ga.Select(e => (e["name"]!.GetValue<string>(), e["params"]!["transaction_id"]!.GetValue<string>()))
            .ShouldBe([("purchase", sessionId), ("purchase", cycle), ("refund", cycle)]);
        Destinations.Accepted(ForwardingDestination.Webhook).Select(body => body["type"]!.GetValue<string>())
            .ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RenewedType, ConversionWebhookEvent.RefundedType]);
    }

    [Test]
    public async Task A_paid_session_recorded_again_after_its_sent_purchase_expired_is_never_sent_twice()
    {
        var instance = Forwarder(on: RefundDestinations);
        var sessionId = NewLiveSessionId();
        var paidAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        await instance.Ledger.RecordAsync(Session(sessionId, paidAt, paymentIntent: "pi_" + sessionId[8..], livemode: true));
        await DrainAsync(instance);
        await ExpireSentAsync(instance, 2);

        // A new event of the same paid session (its own event id), as catch-up or a second checkout event brings it.
        await instance.Ledger.RecordAsync(Session(sessionId, paidAt.AddMinutes(1), paymentIntent: "pi_" + sessionId[8..], livemode: true));
        await DrainAsync(instance);

        (await instance.Forwarding.ListAsync()).ShouldBeEmpty();
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count.ShouldBe(1);
        Destinations.Accepted(ForwardingDestination.Webhook).Count.ShouldBe(1);
    }

    /// <summary>Runs retention as it runs a day past <see cref="PaymentLinkForwardingOptions.SentRetention"/>: every sent row goes.</summary>
    private async Task ExpireSentAsync(ForwardingInstance instance, int expected)
    {
        (await instance.Forwarding.ListAsync()).ShouldAllBe(row => row.State == ForwardingState.Sent);
        var past = Forwarder(on: RefundDestinations, clock: new ShiftedClock(TimeSpan.FromDays(31)));
        (await past.Worker.DeleteExpiredSentAsync(CancellationToken.None)).ShouldBe(expected);
        (await instance.Forwarding.ListAsync()).ShouldBeEmpty();
    }
}
