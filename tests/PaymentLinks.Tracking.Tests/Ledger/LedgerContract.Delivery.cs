using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding;
using PaymentLinks.Tracking.Tests.StripeApi;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// Forwarding's delivery against each platform's rules: the order of a conversion's events, Meta's whole-batch refusals
/// and required fields, the destinations' windows, outages and the outbox's retention.
/// </summary>
public abstract partial class LedgerContract
{
    private static readonly ThankYouVisitDetails ConsentingVisit = new()
    {
        GoogleAnalyticsCookie = "GA1.1.111111111.1764000000",
        MetaBrowserCookie = "fb.1.1764000000000.123456789",
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64)",
        PageUrl = "https://shop.example/thanks",
        ClientIp = "203.0.113.7",
        Consent = VisitConsent.Granted,
    };

    [Test]
    public async Task A_refund_never_reaches_a_destination_before_its_purchase_was_accepted_there_even_with_the_purchase_in_backoff()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        Destinations.Override = (_, number) => Task.FromResult<StripeAnswer?>(number == 1
            ? new StripeAnswer(503, "unavailable") { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } }
            : null);
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));
        await DrainAsync(instance);
        (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem().State.ShouldBe(ForwardingState.Pending);

        (await instance.Ledger.EnqueueRefundAsync(sessionId, "re_1", 1000, "usd", DateTimeOffset.UtcNow, CancellationToken.None)).ShouldBeTrue();
        await DrainAsync(instance);
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldBeEmpty();

        await DrainUntilAsync(instance, rows => rows.Count == 2 && rows.All(row => row.State == ForwardingState.Sent));
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics)
            .Select(body => body["events"]![0]!["name"]!.GetValue<string>()).ShouldBe(["purchase", "refund"]);
    }

    [Test]
    public async Task A_renewals_refund_never_reaches_a_destination_before_the_renewal_was_accepted_there()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        var sessionId = NewLiveSessionId();
        var id = sessionId[8..];
        var subscription = "sub_" + id;
        var paidAt = DateTimeOffset.UtcNow.AddHours(-30);
        await instance.Ledger.RecordAsync(Session(sessionId, paidAt, subscription: subscription, amount: 2_400, tax: 400, livemode: true));
        await DrainAsync(instance);
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count.ShouldBe(1);

        // The renewal's first try meets a 503 and waits in backoff; its refund arrives meanwhile.
        Destinations.Override = (_, number) => Task.FromResult<StripeAnswer?>(number == 2
            ? new StripeAnswer(503, "unavailable") { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } }
            : null);
        var cycle = "in_cycle_" + id;
        var renewedAt = DateTimeOffset.UtcNow.AddHours(-2);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice(cycle, subscription, "subscription_cycle", 2_400, 400, renewedAt, "pi_cycle_" + id), renewedAt, livemode: true));
        await DrainAsync(instance);
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_cycle_" + id, "pi_cycle_" + id, 2_400, 2_400), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance);
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count.ShouldBe(1);

        await DrainUntilAsync(instance, rows => rows.Count == 3 && rows.All(row => row.State == ForwardingState.Sent));
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Skip(1)
            .Select(body => (body["events"]![0]!["name"]!.GetValue<string>(), body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>()))
            .ShouldBe([("purchase", cycle), ("refund", cycle)]);
    }

    [Test]
    public async Task A_refund_whose_purchase_a_destination_never_accepted_is_held_with_its_reason_and_a_session_retry_sends_both_in_order()
    {
        var instance = Forwarder(options => options.MaxAttempts = 1, [ForwardingDestination.Webhook]);
        var failing = true;
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(failing ? new StripeAnswer(503, "unavailable") : null);
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));
        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Dead));
        await instance.Ledger.EnqueueRefundAsync(sessionId, "re_1", 1000, "usd", DateTimeOffset.UtcNow, CancellationToken.None);

        await DrainUntilAsync(instance, rows => rows.Count == 2 && rows.All(row => row.State != ForwardingState.Pending));
        var refund = (await instance.Forwarding.ListAsync()).Single(row => row.Kind == ForwardingKind.Refund);
        refund.State.ShouldBe(ForwardingState.Failed);
        refund.LastError.ShouldNotBeNull().ShouldContain("never accepted this session's purchase");
        Destinations.Accepted(ForwardingDestination.Webhook).ShouldBeEmpty();

        failing = false;
        (await instance.Forwarding.RetryAsync(sessionId)).ShouldBe(2);
        await DrainUntilAsync(instance, rows => rows.Count == 2 && rows.All(row => row.State == ForwardingState.Sent));
        Destinations.Accepted(ForwardingDestination.Webhook).Select(body => body["type"]!.GetValue<string>())
            .ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RefundedType]);
    }

    [Test]
    public async Task Meta_refuses_a_whole_batch_for_one_invalid_event_so_the_event_its_error_names_fails_alone_and_the_rest_is_sent()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var sessions = await PaidWithVisitsAsync(instance, 50);
        var invalid = sessions[17];
        Destinations.OverrideByRequest = (_, request) => RefuseEventOf(request, invalid, nameTheEvent: true);

        await DrainAsync(instance);

        var rows = await instance.Forwarding.ListAsync(limit: 1000);
        var refused = rows.Where(row => row.State == ForwardingState.Failed).ShouldHaveSingleItem();
        refused.SessionId.ShouldBe(invalid);
        refused.LastError.ShouldNotBeNull().ShouldContain("Invalid parameter");
        refused.LastError.ShouldContain("event_time");
        rows.Count(row => row.State == ForwardingState.Sent).ShouldBe(49);
        Destinations.Answered(ForwardingDestination.Meta).Count.ShouldBe(2);
        AcceptedMetaEvents().ShouldBe(sessions.Where(id => id != invalid), ignoreOrder: true);
    }

    [Test]
    public async Task Meta_refuses_a_whole_batch_for_one_invalid_event_so_when_its_error_names_none_the_batch_is_split_until_the_event_is_alone()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var sessions = await PaidWithVisitsAsync(instance, 50);
        var invalid = sessions[33];
        Destinations.OverrideByRequest = (_, request) => RefuseEventOf(request, invalid, nameTheEvent: false);

        await DrainAsync(instance);

        var rows = await instance.Forwarding.ListAsync(limit: 1000);
        rows.Where(row => row.State == ForwardingState.Failed).ShouldHaveSingleItem().SessionId.ShouldBe(invalid);
        rows.Count(row => row.State == ForwardingState.Sent).ShouldBe(49);
        AcceptedMetaEvents().ShouldBe(sessions.Where(id => id != invalid), ignoreOrder: true);
        // Halving 50 events down to the one: a refused request and its sent sibling at each of about log2(50) levels.
        Destinations.Answered(ForwardingDestination.Meta).Count.ShouldBeLessThanOrEqualTo(2 * 7);
    }

    [Test]
    public async Task Retry_all_makes_failed_conversions_pending_again_as_well_as_dead_ones()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var refusing = true;
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(refusing ? LoopbackDestinations.MetaError(400, 190, "Invalid OAuth access token") : null);
        var sessions = await PaidWithVisitsAsync(instance, 3);
        await DrainAsync(instance);
        (await instance.Forwarding.ListAsync(ForwardingState.Failed)).Count.ShouldBe(3);

        refusing = false;
        (await instance.Forwarding.RetryAllDeadAsync()).ShouldBe(3);
        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Sent));
        AcceptedMetaEvents().ShouldBe(sessions, ignoreOrder: true);
    }

    [Test]
    public async Task Meta_requires_customer_information_in_user_data_so_an_event_without_any_is_kept_out_of_the_batch_with_its_reason()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var good = (await PaidWithVisitsAsync(instance, 2)).ToList();
        var neverVisited = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(neverVisited));

        await DrainAsync(instance);

        AcceptedMetaEvents().ShouldBe(good, ignoreOrder: true);
        Destinations.Accepted(ForwardingDestination.Meta).SelectMany(body => body["data"]!.AsArray())
            .ShouldAllBe(e => e!["user_data"]!.AsObject().Count > 0);
        var kept = (await instance.Forwarding.ListAsync(ForwardingState.Withheld)).ShouldHaveSingleItem();
        kept.SessionId.ShouldBe(neverVisited);
        kept.Attempts.ShouldBe(1);
        kept.LastError.ShouldNotBeNull().ShouldContain("customer information parameter");
    }

    [Test]
    public async Task GA4_takes_events_up_to_72_hours_old_so_one_within_the_last_hour_of_it_is_given_up_before_it_is_sent()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId(), created: DateTimeOffset.UtcNow.AddHours(-71.5)));

        await DrainAsync(instance);

        Destinations.Answered(ForwardingDestination.GoogleAnalytics).ShouldBeEmpty();
        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.State.ShouldBe(ForwardingState.TooOld);
        row.LastError.ShouldNotBeNull().ShouldContain("72 hours");
    }

    [Test]
    public async Task Meta_takes_events_up_to_7_days_old_so_one_within_the_last_hour_of_it_is_given_up_before_it_is_sent()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(sessionId, created: DateTimeOffset.UtcNow.AddDays(-7).AddMinutes(30)));
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, ConsentingVisit);

        await DrainAsync(instance);

        Destinations.Answered(ForwardingDestination.Meta).ShouldBeEmpty();
        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.State.ShouldBe(ForwardingState.TooOld);
        row.LastError.ShouldNotBeNull().ShouldContain("7 days");
    }

    [Test]
    public async Task A_conversion_is_tried_past_ten_failures_for_as_long_as_its_destination_accepts_it()
    {
        var instance = Forwarder(options => options.MaxRetryDelay = TimeSpan.FromMilliseconds(100), [ForwardingDestination.GoogleAnalytics]);
        Destinations.Override = (_, number) => Task.FromResult<StripeAnswer?>(number <= 12 ? new StripeAnswer(503, "unavailable") : null);
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));

        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Sent));

        (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem().Attempts.ShouldBe(13);
    }

    [Test]
    public async Task GA4_takes_events_up_to_72_hours_old_so_a_failing_conversion_is_retried_until_then_and_only_then_dead()
    {
        // Created so that GA4's window (72 hours, less the hour's margin) closes two seconds from now.
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(new StripeAnswer(503, "unavailable"));
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId(), created: DateTimeOffset.UtcNow.AddHours(-71).AddSeconds(2)));

        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Dead));

        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.Attempts.ShouldBeGreaterThan(1);
        row.LastError.ShouldNotBeNull().ShouldContain("window closed");
        row.LastError.ShouldContain("72 hours");
        row.LastError.ShouldContain("503");
    }

    [Test]
    public async Task The_webhook_is_retried_for_3_days_after_the_conversion_was_recorded_as_Stripe_retries_its_own_then_dead()
    {
        // The ledger's clock recorded the conversion so that its 3 days end two seconds from now.
        var instance = Forwarder(on: [ForwardingDestination.Webhook], clock: new ShiftedClock(TimeSpan.FromDays(-3) + TimeSpan.FromSeconds(2)));
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(new StripeAnswer(503, "unavailable"));
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));

        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Dead));

        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.Attempts.ShouldBeGreaterThan(1);
        row.LastError.ShouldNotBeNull().ShouldContain("3 days after the conversion was recorded");
    }

    [Test]
    public async Task A_destination_failing_everything_pauses_as_a_whole_and_one_probe_resumes_it_without_spending_every_conversions_tries()
    {
        var instance = Forwarder(options => options.MaxInFlight = 2, [ForwardingDestination.GoogleAnalytics]);
        var down = true;
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(down ? new StripeAnswer(503, "unavailable") : null);
        for (var i = 0; i < 40; i++)
        {
            await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));
        }

        var outage = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        while (DateTime.UtcNow < outage)
        {
            await DrainAsync(instance);
            await Task.Delay(20);
        }

        instance.Worker.Circuit(ForwardingDestination.GoogleAnalytics).IsOpen.ShouldBeTrue();
        var during = await instance.Forwarding.ListAsync(limit: 1000);
        during.ShouldAllBe(row => row.State == ForwardingState.Pending);
        during.Count(row => row.Attempts == 0).ShouldBeGreaterThanOrEqualTo(20);
        var failedRequests = Destinations.Answered(ForwardingDestination.GoogleAnalytics).Count;
        failedRequests.ShouldBeLessThan(40);

        down = false;
        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Sent));
        instance.Worker.Circuit(ForwardingDestination.GoogleAnalytics).IsOpen.ShouldBeFalse();
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics)
            .Select(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>()).Distinct().Count().ShouldBe(40);
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count.ShouldBe(40);
    }

    [Test]
    public async Task Conversions_put_off_during_an_outage_go_as_soon_as_the_probe_is_accepted_not_after_their_own_backoff()
    {
        var clock = new MovableClock();
        var instance = Forwarder(options => options.MaxInFlight = 2, [ForwardingDestination.GoogleAnalytics], clock: clock);
        var down = true;
        // The outage asks for ten minutes: each conversion put off waits that long on the database's clock.
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(
            down ? new StripeAnswer(503, "unavailable") { Headers = new Dictionary<string, string> { ["Retry-After"] = "600" } } : null);
        for (var i = 0; i < 12; i++)
        {
            await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));
        }

        await DrainAsync(instance);
        instance.Worker.Circuit(ForwardingDestination.GoogleAnalytics).IsOpen.ShouldBeTrue();
        var putOff = (await instance.Forwarding.ListAsync(limit: 100)).Count(row => row.Attempts > 0);
        putOff.ShouldBeGreaterThanOrEqualTo(DestinationCircuit.FailuresToOpen);

        // The destination is back; the worker's pause (not the rows' backoff) is over, and a new conversion arrives.
        down = false;
        clock.Offset = TimeSpan.FromMinutes(11);
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));
        await DrainAsync(instance);

        instance.Worker.Circuit(ForwardingDestination.GoogleAnalytics).IsOpen.ShouldBeFalse();
        var rows = await instance.Forwarding.ListAsync(limit: 100);
        rows.ShouldAllBe(row => row.State == ForwardingState.Sent, string.Join("; ", rows.Select(row => $"{row.State} {row.Attempts} {row.DueAt:O}")));
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics)
            .Select(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>()).Distinct().Count().ShouldBe(13);
    }

    [Test]
    public async Task Sent_conversions_are_deleted_after_SentRetention_and_the_status_shows_the_oldest_pending_ones_age()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        Destinations.Override = (destination, _) => Task.FromResult<StripeAnswer?>(destination == ForwardingDestination.Webhook ? new StripeAnswer(503, "unavailable") { Headers = new Dictionary<string, string> { ["Retry-After"] = "3600" } } : null);
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));
        await DrainAsync(instance);
        (await instance.Forwarding.ListAsync(ForwardingState.Sent)).ShouldHaveSingleItem();
        var status = await instance.Ledger.GetStatusAsync();
        status.OldestPendingConversionAge.ShouldNotBeNull().ShouldBeLessThan(TimeSpan.FromMinutes(5));

        var later = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook], clock: new ShiftedClock(TimeSpan.FromDays(29)));
        (await later.Worker.DeleteExpiredSentAsync(CancellationToken.None)).ShouldBe(0);
        (await later.Ledger.GetStatusAsync()).OldestPendingConversionAge.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.FromDays(28.9));

        var past = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook], clock: new ShiftedClock(TimeSpan.FromDays(31)));
        (await past.Worker.DeleteExpiredSentAsync(CancellationToken.None)).ShouldBe(1);
        var left = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        left.Destination.ShouldBe(ForwardingDestination.Webhook);
        left.State.ShouldBe(ForwardingState.Pending);
    }

    private IReadOnlyList<string> AcceptedMetaEvents() =>
        [.. Destinations.Accepted(ForwardingDestination.Meta).SelectMany(body => body["data"]!.AsArray()).Select(e => e!["event_id"]!.GetValue<string>())];

    private static async Task<IReadOnlyList<string>> PaidWithVisitsAsync(ForwardingInstance instance, int count)
    {
        var sessions = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var sessionId = NewLiveSessionId();
            await instance.Ledger.RecordAsync(PaidEvent(sessionId));
            await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, ConsentingVisit);
            sessions.Add(sessionId);
        }

        return sessions;
    }

    /// <summary>Meta's answer to a batch holding <paramref name="invalid"/>: the whole request refused, the event named by its path or not.</summary>
    private static StripeAnswer? RefuseEventOf(RecordedRequest request, string invalid, bool nameTheEvent)
    {
        var data = JsonNode.Parse(request.RawBody)!["data"]!.AsArray();
        var index = data.Select(e => e!["event_id"]!.GetValue<string>()).ToList().IndexOf(invalid);
        if (index < 0)
        {
            return null;
        }

        return LoopbackDestinations.MetaError(
            400,
            100,
            "Invalid parameter",
            userTitle: "Event Timestamp Too Old",
            userMessage: nameTheEvent
                ? $"The timestamp for this event is too far in the past: event_time of data[{index}] must be within the last 7 days."
                : "The timestamp for this event is too far in the past: event_time must be within the last 7 days.");
    }
}
