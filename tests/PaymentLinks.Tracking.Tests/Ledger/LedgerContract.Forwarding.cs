using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding;
using PaymentLinks.Tracking.Tests.StripeApi;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>Forwarding conversions from the ledger's outbox to loopback destinations in GA4's, Meta's and our webhook's shapes.</summary>
public abstract partial class LedgerContract
{
    private static readonly PaymentLinkWebhookParser ForwardingParser = SignedWebhooks.Parser();
    private LoopbackDestinations? _destinations;

    private LoopbackDestinations Destinations => _destinations ??= new LoopbackDestinations();

    [TearDown]
    public async Task StopDestinations()
    {
        if (_destinations is not null)
        {
            await _destinations.DisposeAsync();
            _destinations = null;
        }
    }

    [Test]
    public async Task A_paid_session_goes_once_to_each_destination_in_its_shape_however_often_its_events_arrive()
    {
        var instance = Forwarder();
        var sessionId = NewLiveSessionId();
        var completed = PaidEvent(sessionId);
        (await instance.Ledger.RecordAsync(completed)).ShouldBe(LedgerRecordOutcome.Stored);
        (await instance.Ledger.RecordAsync(completed)).ShouldBe(LedgerRecordOutcome.Duplicate);
        (await instance.Ledger.RecordAsync(PaidEvent(sessionId, type: "checkout.session.async_payment_succeeded"))).ShouldBe(LedgerRecordOutcome.Stored);
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails { GoogleAnalyticsCookie = "GA1.1.987654321.1764000000", Consent = VisitConsent.Granted });

        await DrainAsync(instance);
        await DrainAsync(instance);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldHaveSingleItem();
        Destinations.Answered(ForwardingDestination.GoogleAnalytics).Single().Request.Query["api_secret"].ShouldBe(LoopbackDestinations.ApiSecret);
        Destinations.Answered(ForwardingDestination.GoogleAnalytics).Single().Request.Query["measurement_id"].ShouldBe(LoopbackDestinations.MeasurementId);
        ga["client_id"]!.GetValue<string>().ShouldBe("987654321.1764000000");
        ga["timestamp_micros"]!.GetValue<long>().ShouldBe(completed.Created.ToUnixTimeMilliseconds() * 1000);
        var purchase = ga["events"]!.AsArray().ShouldHaveSingleItem()!;
        purchase["name"]!.GetValue<string>().ShouldBe("purchase");
        purchase["params"]!["transaction_id"]!.GetValue<string>().ShouldBe(sessionId);
        purchase["params"]!["value"]!.GetValue<decimal>().ShouldBe(42.00m);
        purchase["params"]!["currency"]!.GetValue<string>().ShouldBe("USD");
        purchase["params"]!["items"]![0]!["item_id"]!.GetValue<string>().ShouldBe(SignedWebhooks.PaymentLinkId);

        var meta = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem();
        meta["access_token"]!.GetValue<string>().ShouldBe(LoopbackDestinations.AccessToken);
        Destinations.Answered(ForwardingDestination.Meta).Single().Request.Target.ShouldBe($"/{MetaForwardingOptions.DefaultApiVersion}/{LoopbackDestinations.PixelId}/events");
        var metaEvent = meta["data"]!.AsArray().ShouldHaveSingleItem()!;
        metaEvent["event_name"]!.GetValue<string>().ShouldBe("Purchase");
        metaEvent["event_id"]!.GetValue<string>().ShouldBe(sessionId);
        metaEvent["event_time"]!.GetValue<long>().ShouldBe(completed.Created.ToUnixTimeSeconds());
        metaEvent["custom_data"]!["order_id"]!.GetValue<string>().ShouldBe(sessionId);
        metaEvent["custom_data"]!["value"]!.GetValue<decimal>().ShouldBe(42.00m);
        metaEvent["custom_data"]!["currency"]!.GetValue<string>().ShouldBe("USD");

        var hook = Destinations.Accepted(ForwardingDestination.Webhook).ShouldHaveSingleItem();
        hook["type"]!.GetValue<string>().ShouldBe(ConversionWebhookEvent.PaidType);
        hook["session_id"]!.GetValue<string>().ShouldBe(sessionId);
        hook["amount"]!.GetValue<long>().ShouldBe(4200);

        var rows = await instance.Forwarding.ListAsync();
        rows.Count.ShouldBe(3);
        rows.ShouldAllBe(row => row.State == ForwardingState.Sent && row.Attempts == 1 && row.SessionId == sessionId && row.SentAt != null);
    }

    [TestCase("jpy", 4200, 4200)]
    [TestCase("eur", 54890, 548.90)]
    [TestCase("usd", 5, 0.05)]
    [TestCase("kwd", 12345, 12.345)]
    public async Task Values_are_in_major_units_by_the_currencys_exponent(string currency, long amount, decimal value)
    {
        var instance = Forwarder(options => options.AssumeConsent = true, [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta]);
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId(), amount: amount, currency: currency));

        await DrainAsync(instance);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldHaveSingleItem()["events"]![0]!["params"]!;
        ga["value"]!.GetValue<decimal>().ShouldBe(value);
        ga["currency"]!.GetValue<string>().ShouldBe(currency.ToUpperInvariant());
        var meta = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem()["data"]![0]!["custom_data"]!;
        meta["value"]!.GetValue<decimal>().ShouldBe(value);
        meta["currency"]!.GetValue<string>().ShouldBe(currency.ToUpperInvariant());
    }

    [Test]
    public async Task A_500_then_a_429_with_Retry_After_are_tried_again_until_a_2xx_waiting_as_asked()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        Destinations.Override = (_, number) => Task.FromResult<StripeAnswer?>(number switch
        {
            1 => new StripeAnswer(500, "<html>Server Error</html>"),
            2 => new StripeAnswer(429, string.Empty) { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } },
            _ => null,
        });
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));

        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Sent));

        var answered = Destinations.Answered(ForwardingDestination.GoogleAnalytics);
        answered.Select(a => a.Status).ShouldBe([500, 429, 204]);
        (answered[2].At - answered[1].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95));
        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.Attempts.ShouldBe(3);
        row.LastError.ShouldBeNull();
    }

    [Test]
    public async Task A_destination_that_hangs_is_timed_out_and_tried_again()
    {
        var instance = Forwarder(
            options =>
            {
                options.RequestTimeout = TimeSpan.FromSeconds(1);
                options.LeaseDuration = TimeSpan.FromSeconds(4);
            },
            [ForwardingDestination.Webhook]);
        Destinations.Override = async (_, number) =>
        {
            if (number == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
            }

            return null;
        };
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));

        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Sent));

        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.Attempts.ShouldBe(2);
        Destinations.Accepted(ForwardingDestination.Webhook).Count.ShouldBe(1);
        Destinations.Server.Requests.Count.ShouldBe(2);
    }

    [Test]
    public async Task A_400_fails_the_conversion_at_once_keeping_the_destinations_message_without_the_secret()
    {
        var logs = new DependencyInjection.CapturedLogs();
        var instance = Forwarder(options => options.AssumeConsent = true, [ForwardingDestination.Meta], logs);
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(
            LoopbackDestinations.MetaError(400, 190, $"Invalid OAuth access token - Cannot parse access token {LoopbackDestinations.AccessToken}"));
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));

        await DrainAsync(instance);
        await Task.Delay(100);
        await DrainAsync(instance);

        var row = (await instance.Forwarding.ListAsync(ForwardingState.Failed)).ShouldHaveSingleItem();
        row.Attempts.ShouldBe(1);
        row.LastError.ShouldNotBeNull();
        row.LastError.ShouldContain("OAuthException 190");
        row.LastError.ShouldContain("Invalid OAuth access token");
        row.LastError.ShouldContain("[redacted]");
        row.LastError.ShouldNotContain(LoopbackDestinations.AccessToken);
        var logged = string.Join("\n", logs.Entries.Select(entry => entry.AllText));
        logged.ShouldContain("OAuthException 190");
        logged.ShouldNotContain(LoopbackDestinations.AccessToken);
        Destinations.Answered(ForwardingDestination.Meta).Count.ShouldBe(1);
        var status = await instance.Ledger.GetStatusAsync();
        status.FailedConversions.ShouldBe(1);
        status.DeadConversions.ShouldBe(0);
    }

    [Test]
    public async Task After_the_last_try_a_conversion_is_dead_and_a_retry_sends_it()
    {
        var instance = Forwarder(options => options.MaxAttempts = 2, [ForwardingDestination.GoogleAnalytics]);
        var failing = true;
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(failing ? new StripeAnswer(503, "unavailable") : null);
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));

        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Dead));
        var dead = (await instance.Forwarding.ListAsync(ForwardingState.Dead)).ShouldHaveSingleItem();
        dead.Attempts.ShouldBe(2);
        dead.LastError.ShouldNotBeNull().ShouldContain("503");
        Destinations.Answered(ForwardingDestination.GoogleAnalytics).Count.ShouldBe(2);
        (await instance.Ledger.GetStatusAsync()).DeadConversions.ShouldBe(1);

        failing = false;
        (await instance.Forwarding.RetryAllDeadAsync()).ShouldBe(1);
        (await instance.Ledger.GetStatusAsync()).DeadConversions.ShouldBe(0);
        await DrainUntilAsync(instance, rows => rows.All(row => row.State == ForwardingState.Sent));
        (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem().Attempts.ShouldBe(1);
        (await instance.Forwarding.RetryAsync(sessionId)).ShouldBe(0);
    }

    [Test]
    public async Task A_4_day_old_conversion_is_too_old_for_GA4_and_a_9_day_old_one_for_Meta_while_the_rest_of_Metas_batch_goes()
    {
        var logs = new DependencyInjection.CapturedLogs();
        var instance = Forwarder(options => options.AssumeConsent = true, [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta], logs);
        var now = DateTimeOffset.UtcNow;
        var (fresh, fourDays, nineDays) = (NewLiveSessionId(), NewLiveSessionId(), NewLiveSessionId());
        await instance.Ledger.RecordAsync(PaidEvent(fresh, created: now.AddMinutes(-5)));
        await instance.Ledger.RecordAsync(PaidEvent(fourDays, created: now.AddDays(-4)));
        await instance.Ledger.RecordAsync(PaidEvent(nineDays, created: now.AddDays(-9)));

        await DrainAsync(instance);

        var all = await instance.Forwarding.ListAsync();
        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldHaveSingleItem(
            string.Join("\n", all.Select(row => $"{row.Id} {row.Destination} {row.SessionId} {row.State} {row.Attempts} {row.LastError}"))
            + string.Join("\n", Destinations.Answered(ForwardingDestination.GoogleAnalytics).Select(a => $"{a.At:O} {a.Request.Target}"))
            + string.Join("\n", logs.Entries.Select(entry => entry.AllText)));
        ga["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>().ShouldBe(fresh);
        var meta = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem();
        meta["data"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()).ShouldBe([fresh, fourDays], ignoreOrder: true);

        var tooOld = await instance.Forwarding.ListAsync(ForwardingState.TooOld);
        tooOld.Select(row => (row.Destination, row.SessionId)).ShouldBe(
            [(ForwardingDestination.GoogleAnalytics, fourDays), (ForwardingDestination.GoogleAnalytics, nineDays), (ForwardingDestination.Meta, nineDays)],
            ignoreOrder: true);
        tooOld.First(row => row.Destination == ForwardingDestination.Meta).LastError.ShouldNotBeNull().ShouldContain("7 days");
        tooOld.First(row => row.SessionId == fourDays).LastError.ShouldNotBeNull().ShouldContain("72 hours");
    }

    [Test]
    public async Task With_consent_the_visits_details_go_along_and_without_it_nothing_personal_does()
    {
        var instance = Forwarder(options => options.GoogleAnalytics.SendHashedEmail = true);
        var (granted, denied, unreported) = (NewLiveSessionId(), NewLiveSessionId(), NewLiveSessionId());
        foreach (var (sessionId, consent) in new[] { (granted, VisitConsent.Granted), (denied, VisitConsent.Denied), (unreported, VisitConsent.NotReported) })
        {
            await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails
            {
                GoogleAnalyticsCookie = "GA1.1.111.222",
                MetaBrowserCookie = "fb.1.1764000000000.555",
                MetaClickCookie = "fb.1.1764000000000.AbCdEf",
                UserAgent = "Mozilla/5.0 (Loopback)",
                PageUrl = $"https://shop.example/thanks?session_id={sessionId}",
                ClientIp = "203.0.113.7",
                Consent = consent,
            });
            await instance.Ledger.RecordAsync(PaidEvent(sessionId, email: " Buyer.Name@GMail.com "));
        }

        await DrainAsync(instance);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ToDictionary(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>());
        ga[granted]["consent"]!["ad_user_data"]!.GetValue<string>().ShouldBe("GRANTED");
        ga[granted]["user_data"]!["sha256_email_address"]![0]!.GetValue<string>().ShouldBe(Sha256("buyername@gmail.com"));
        foreach (var withheld in new[] { denied, unreported })
        {
            ga[withheld]["consent"]!["ad_user_data"]!.GetValue<string>().ShouldBe("DENIED");
            ga[withheld]["consent"]!["ad_personalization"]!.GetValue<string>().ShouldBe("DENIED");
            ga[withheld]["user_data"].ShouldBeNull();
            ga[withheld]["client_id"]!.GetValue<string>().ShouldBe("111.222");
        }

        var meta = Destinations.Accepted(ForwardingDestination.Meta).SelectMany(body => body["data"]!.AsArray())
            .ToDictionary(e => e!["event_id"]!.GetValue<string>(), e => e!.AsObject());
        var user = meta[granted]["user_data"]!;
        meta[granted]["action_source"]!.GetValue<string>().ShouldBe("website");
        meta[granted]["event_source_url"]!.GetValue<string>().ShouldBe($"https://shop.example/thanks?session_id={granted}");
        user["em"]![0]!.GetValue<string>().ShouldBe(Sha256("buyer.name@gmail.com"));
        user["client_ip_address"]!.GetValue<string>().ShouldBe("203.0.113.7");
        user["client_user_agent"]!.GetValue<string>().ShouldBe("Mozilla/5.0 (Loopback)");
        user["fbp"]!.GetValue<string>().ShouldBe("fb.1.1764000000000.555");
        user["fbc"]!.GetValue<string>().ShouldBe("fb.1.1764000000000.AbCdEf");
        // Without consent nothing personal may go, and Meta requires some customer information: the event is withheld.
        meta.Keys.ShouldBe([granted]);
        var withheldAtMeta = (await instance.Forwarding.ListAsync(ForwardingState.Withheld)).Where(row => row.Destination == ForwardingDestination.Meta);
        withheldAtMeta.Select(row => row.SessionId).ShouldBe([denied, unreported], ignoreOrder: true);
        withheldAtMeta.ShouldAllBe(row => row.LastError!.Contains("consent"));

        var hooks = Destinations.Accepted(ForwardingDestination.Webhook).ToDictionary(body => body["session_id"]!.GetValue<string>());
        hooks[granted]["customer_email"]!.GetValue<string>().ShouldBe(" Buyer.Name@GMail.com ");
        hooks[denied]["customer_email"].ShouldBeNull();
        hooks[unreported]["consent"]!.GetValue<string>().ShouldBe("denied");
    }

    [Test]
    public async Task AssumeConsent_counts_an_unreported_consent_as_granted_but_never_a_denied_one()
    {
        var instance = Forwarder(options => options.AssumeConsent = true, [ForwardingDestination.Meta]);
        var (unreported, denied) = (NewLiveSessionId(), NewLiveSessionId());
        await instance.Attribution.RecordVisitAsync(unreported, UtmCodes.None, new ThankYouVisitDetails { ClientIp = "203.0.113.9" });
        await instance.Attribution.RecordVisitAsync(denied, UtmCodes.None, new ThankYouVisitDetails { ClientIp = "203.0.113.10", Consent = VisitConsent.Denied });
        await instance.Ledger.RecordAsync(PaidEvent(unreported));
        await instance.Ledger.RecordAsync(PaidEvent(denied));

        await DrainAsync(instance);

        var events = Destinations.Accepted(ForwardingDestination.Meta).SelectMany(body => body["data"]!.AsArray())
            .ToDictionary(e => e!["event_id"]!.GetValue<string>(), e => e!["user_data"]!.AsObject());
        events[unreported]["client_ip_address"]!.GetValue<string>().ShouldBe("203.0.113.9");
        events.ShouldNotContainKey(denied);
        (await instance.Forwarding.ListAsync(ForwardingState.Withheld)).ShouldHaveSingleItem().SessionId.ShouldBe(denied);
    }

    [Test]
    public async Task A_later_visit_from_the_same_browser_fills_in_what_was_missing_and_its_consent_replaces_the_earlier_one()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var sessionId = NewLiveSessionId();
        await instance.Attribution.RecordVisitAsync(
            sessionId, UtmCodes.None, new ThankYouVisitDetails { ClientIp = "203.0.113.1", Consent = VisitConsent.Denied, BrowserKey = "buyer-browser-key" });
        (await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails
        {
            ClientIp = "198.51.100.2",
            UserAgent = "Mozilla/5.0 (Later)",
            Consent = VisitConsent.Granted,
            BrowserKey = "buyer-browser-key",
        })).ShouldBe(VisitOutcome.Revisit);
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));

        await DrainAsync(instance);

        var user = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem()["data"]![0]!["user_data"]!;
        user["client_ip_address"]!.GetValue<string>().ShouldBe("203.0.113.1");
        user["client_user_agent"]!.GetValue<string>().ShouldBe("Mozilla/5.0 (Later)");
    }

    [Test]
    public async Task A_later_visit_from_another_browser_granting_consent_sends_nothing_personal_to_Meta()
    {
        var instance = Forwarder(on: [ForwardingDestination.Meta]);
        var sessionId = NewLiveSessionId();
        await instance.Attribution.RecordVisitAsync(
            sessionId, UtmCodes.None, new ThankYouVisitDetails { ClientIp = "203.0.113.1", Consent = VisitConsent.Denied, BrowserKey = "buyer-browser-key" });
        (await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails
        {
            ClientIp = "198.51.100.2",
            UserAgent = "Mozilla/5.0 (Stranger)",
            MetaBrowserCookie = "fb.1.1764000000.999999999",
            Consent = VisitConsent.Granted,
            BrowserKey = "stranger-browser-key",
        })).ShouldBe(VisitOutcome.Revisit);
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));

        await DrainAsync(instance);

        // The buyer's denied consent stands: nothing personal may go, so Meta, which requires some, gets nothing at all.
        Destinations.Accepted(ForwardingDestination.Meta).ShouldBeEmpty();
        var withheld = (await instance.Forwarding.ListAsync(ForwardingState.Withheld)).ShouldHaveSingleItem();
        withheld.SessionId.ShouldBe(sessionId);
        withheld.LastError!.ShouldContain("consent");
    }

    [Test]
    public async Task Test_mode_payments_are_forwarded_only_with_IncludeTestMode()
    {
        var excluding = Forwarder(on: [ForwardingDestination.Webhook]);
        var (live, test) = (NewLiveSessionId(), NewLiveSessionId());
        await excluding.Ledger.RecordAsync(PaidEvent(live, livemode: true));
        await excluding.Ledger.RecordAsync(PaidEvent(test, livemode: false));
        await DrainAsync(excluding);
        Destinations.Accepted(ForwardingDestination.Webhook).Select(body => body["session_id"]!.GetValue<string>()).ShouldBe([live]);
        (await excluding.Forwarding.ListAsync()).ShouldHaveSingleItem().SessionId.ShouldBe(live);

        var including = Forwarder(options => options.IncludeTestMode = true, [ForwardingDestination.Webhook]);
        var laterTest = NewLiveSessionId();
        await including.Ledger.RecordAsync(PaidEvent(laterTest, livemode: false));
        await DrainAsync(including);
        var hooks = Destinations.Accepted(ForwardingDestination.Webhook);
        hooks.Select(body => body["session_id"]!.GetValue<string>()).ShouldBe([live, laterTest]);
        hooks[1]["livemode"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Test]
    public async Task Each_refund_after_the_purchase_goes_to_GA4_and_the_webhook_once_and_not_to_Meta()
    {
        var instance = Forwarder(options => options.AssumeConsent = true);
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];
        await instance.Ledger.RecordAsync(PaidEvent(sessionId, amount: 54890, currency: "eur", paymentIntent: paymentIntent));
        await DrainAsync(instance);

        var partial = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 54890, 10000, "eur"), DateTimeOffset.UtcNow, livemode: true);
        (await instance.Ledger.RecordAsync(partial)).ShouldBe(LedgerRecordOutcome.Stored);
        (await instance.Ledger.RecordAsync(partial)).ShouldBe(LedgerRecordOutcome.Duplicate);
        await DrainAsync(instance);
        var full = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 54890, 54890, "eur"), DateTimeOffset.UtcNow, livemode: true);
        (await instance.Ledger.RecordAsync(full)).ShouldBe(LedgerRecordOutcome.Stored);
        await DrainAsync(instance);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics);
        ga.Select(body => body["events"]![0]!["name"]!.GetValue<string>()).ShouldBe(["purchase", "refund", "refund"]);
        ga.Skip(1).Select(body => body["events"]![0]!["params"]!["value"]!.GetValue<decimal>()).ShouldBe([100.00m, 448.90m]);
        ga.Skip(1).ShouldAllBe(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>() == sessionId);
        ga[1]["events"]![0]!["params"]!["currency"]!.GetValue<string>().ShouldBe("EUR");
        var hooks = Destinations.Accepted(ForwardingDestination.Webhook);
        hooks.Select(body => body["type"]!.GetValue<string>()).ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RefundedType, ConversionWebhookEvent.RefundedType]);
        hooks.Skip(1).Select(body => body["amount"]!.GetValue<long>()).ShouldBe([10000L, 44890L]);
        hooks.Select(body => body["id"]!.GetValue<string>()).Distinct().Count().ShouldBe(3);
        Destinations.Accepted(ForwardingDestination.Meta).Count.ShouldBe(1);
        (await instance.Forwarding.ListAsync()).Count(row => row.Kind == ForwardingKind.Refund).ShouldBe(4);
    }

    [Test]
    public async Task A_refund_enqueued_directly_is_keyed_once()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEvent(sessionId));

        (await instance.Ledger.EnqueueRefundAsync(sessionId, "re_1", 1000, null, DateTimeOffset.UtcNow, CancellationToken.None)).ShouldBeTrue();
        (await instance.Ledger.EnqueueRefundAsync(sessionId, "re_1", 1000, null, DateTimeOffset.UtcNow, CancellationToken.None)).ShouldBeFalse();
        (await instance.Ledger.EnqueueRefundAsync("cs_live_never_paid", "re_2", 1000, "usd", DateTimeOffset.UtcNow, CancellationToken.None)).ShouldBeFalse();
    }

    [Test]
    public async Task Meta_gets_up_to_1000_events_a_request()
    {
        var instance = Forwarder(options => options.AssumeConsent = true, [ForwardingDestination.Meta]);
        var sessions = Enumerable.Range(0, 1005).Select(_ => NewLiveSessionId()).ToList();
        foreach (var sessionId in sessions)
        {
            await instance.Ledger.RecordAsync(PaidEvent(sessionId));
        }

        await DrainAsync(instance);

        var batches = Destinations.Accepted(ForwardingDestination.Meta).Select(body => body["data"]!.AsArray().Count).OrderDescending().ToList();
        batches.ShouldBe([1000, 5]);
        (await instance.Forwarding.ListAsync(ForwardingState.Sent, 10_000)).Count.ShouldBe(1005);
    }

    [Test]
    public async Task Two_instances_send_each_conversion_once()
    {
        var first = Forwarder(options => options.MaxInFlight = 4, [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        var second = Forwarder(options => options.MaxInFlight = 4, [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        Destinations.Override = async (_, _) =>
        {
            await Task.Delay(10);
            return null;
        };
        var sessions = Enumerable.Range(0, 60).Select(_ => NewLiveSessionId()).ToList();
        foreach (var sessionId in sessions)
        {
            await first.Ledger.RecordAsync(PaidEvent(sessionId));
        }

        await Task.WhenAll(DrainAsync(first), DrainAsync(second), DrainAsync(first), DrainAsync(second));

        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Select(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>())
            .ShouldBe(sessions, ignoreOrder: true);
        Destinations.Accepted(ForwardingDestination.Webhook).Select(body => body["session_id"]!.GetValue<string>()).ShouldBe(sessions, ignoreOrder: true);
        (await first.Forwarding.ListAsync(limit: 1000)).ShouldAllBe(row => row.State == ForwardingState.Sent && row.Attempts == 1);
    }

    [Test]
    public async Task The_hosted_worker_sends_a_conversion_recorded_through_the_receiver_at_once()
    {
        var services = new ServiceCollection();
        var logs = new DependencyInjection.CapturedLogs();
        services.AddLogging(builder => builder.AddProvider(logs));
        services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret));
        AddLedger(services, options => options.RunFulfillment = false);
        services.AddPaymentLinkForwarding(options =>
        {
            Destinations.Configure(options, ForwardingDestination.Webhook);
            options.PollInterval = TimeSpan.FromMinutes(10);
        });
        await using var provider = services.BuildServiceProvider();
        var workers = provider.GetServices<IHostedService>().ToList();
        foreach (var worker in workers)
        {
            await worker.StartAsync(CancellationToken.None);
        }

        var sessionId = NewLiveSessionId();
        var envelope = PaidEnvelope(sessionId, 4200, "usd", livemode: true, DateTimeOffset.UtcNow, SignedWebhooks.CustomerEmail, "checkout.session.completed");
        var body = SignedWebhooks.Body(envelope);
        (await provider.GetRequiredService<PaymentLinkWebhookReceiver>().ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))).Outcome
            .ShouldBe(PaymentLinkWebhookOutcome.Stored);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Destinations.Accepted(ForwardingDestination.Webhook).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        foreach (var worker in workers)
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Destinations.Accepted(ForwardingDestination.Webhook).ShouldHaveSingleItem(string.Join("\n", logs.Entries.Select(entry => entry.AllText)))["session_id"]!.GetValue<string>().ShouldBe(sessionId);
    }

    [Test]
    public async Task A_process_killed_during_a_forwarding_run_leaves_its_conversions_to_the_next_which_sends_each_once()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics]);
        var sessions = Enumerable.Range(0, 20).Select(_ => NewLiveSessionId()).ToList();
        foreach (var sessionId in sessions)
        {
            await instance.Ledger.RecordAsync(PaidEvent(sessionId));
        }

        var hanging = new TaskCompletionSource();
        Destinations.Override = async (_, _) =>
        {
            if (!hanging.Task.IsCompleted)
            {
                // The first process's requests never get an answer: it is killed while they are in flight.
                await Task.Delay(Timeout.Infinite, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token).ContinueWith(_ => { });
                return new StripeAnswer(503, "too late");
            }

            return null;
        };
        var environment = new Dictionary<string, string>(HarnessEnvironment())
        {
            ["FORWARD_API_SECRET"] = LoopbackDestinations.ApiSecret,
            ["FORWARD_TIMEOUT_MS"] = "2000",
            ["FORWARD_LEASE_MS"] = "8000",
        };
        using (var crashing = StartHarness(["forward", Destinations.Server.ApiBase], environment))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Destinations.Server.Requests.Count < 8 && DateTime.UtcNow < deadline && !crashing.HasExited)
            {
                await Task.Delay(10);
            }

            crashing.HasExited.ShouldBeFalse(crashing.Error);
            crashing.Kill();
        }

        var afterKill = await instance.Forwarding.ListAsync();
        afterKill.ShouldAllBe(row => row.State == ForwardingState.Pending);
        afterKill.Count(row => row.Attempts == 1).ShouldBeGreaterThanOrEqualTo(8);
        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count.ShouldBe(0);

        hanging.SetResult();
        using (var restarted = StartHarness(["forward", Destinations.Server.ApiBase], environment))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count < sessions.Count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            await Task.Delay(300);
        }

        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).Select(body => body["events"]![0]!["params"]!["transaction_id"]!.GetValue<string>())
            .ShouldBe(sessions, ignoreOrder: true);
        (await instance.Forwarding.ListAsync()).ShouldAllBe(row => row.State == ForwardingState.Sent);
    }

    [Test]
    public async Task Validate_reports_GA4s_validation_messages()
    {
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta]);
        Destinations.DebugAnswer = """{"validationMessages":[{"fieldPath":"events.params.currency","description":"Currency code is invalid.","validationCode":"VALUE_INVALID"}]}""";

        var results = await instance.Forwarding.ValidateAsync();

        var ga = results.Single(result => result.Destination == ForwardingDestination.GoogleAnalytics);
        ga.IsValid.ShouldBeFalse();
        ga.Messages.ShouldBe(["events.params.currency: Currency code is invalid. (VALUE_INVALID)"]);
        Destinations.Answered(ForwardingDestination.GoogleAnalytics).Single().Request.Path.ShouldBe("/debug/mp/collect");
        results.Single(result => result.Destination == ForwardingDestination.Meta).IsValid.ShouldBeTrue();

        Destinations.DebugAnswer = """{"validationMessages":[]}""";
        (await instance.Forwarding.ValidateAsync()).ShouldAllBe(result => result.IsValid);
    }

    [Test]
    public async Task Forwarding_is_counted_timed_and_traced_by_destination_without_a_secret_or_personal_data()
    {
        using var telemetry = new Diagnostics.TelemetryRecorder();
        var instance = Forwarder(options => options.MaxAttempts = 2, [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta, ForwardingDestination.Webhook]);
        Destinations.Override = (destination, _) =>
            Task.FromResult<StripeAnswer?>(destination == ForwardingDestination.Webhook ? new StripeAnswer(503, "unavailable") : null);
        var sessions = Enumerable.Range(0, 3).Select(_ => NewLiveSessionId()).ToList();
        foreach (var sessionId in sessions)
        {
            await instance.Ledger.RecordAsync(PaidEvent(sessionId));
            await instance.Attribution.RecordVisitAsync(
                sessionId, UtmCodes.None, new ThankYouVisitDetails { ClientIp = "198.51.100.23", GoogleAnalyticsCookie = "GA1.1.987654321.1764000000", Consent = VisitConsent.Granted });
        }

        await DrainUntilAsync(instance, rows => rows.All(row => row.State is ForwardingState.Sent or ForwardingState.Dead));

        long Sum(string instrument, string destination, string? outcome = null) => (long)telemetry.Of(instrument)
            .Where(m => (string)m.Tags["paymentlinks.destination"]! == destination && (outcome is null || (string)m.Tags["paymentlinks.outcome"]! == outcome))
            .Sum(m => m.Value);
        Sum("paymentlinks.conversions.forwarded", "google_analytics").ShouldBe(3);
        Sum("paymentlinks.conversions.forwarded", "meta").ShouldBe(3);
        Sum("paymentlinks.conversions.forwarded", "webhook").ShouldBe(0);
        Sum("paymentlinks.conversions.forward_failed", "webhook", "retry").ShouldBe(3);
        Sum("paymentlinks.conversions.forward_failed", "webhook", "dead").ShouldBe(3);
        telemetry.Of("paymentlinks.conversions.forwarded").ShouldAllBe(m => m.Unit == "{conversion}" && (string)m.Tags["paymentlinks.conversion.kind"]! == "purchase");

        var durations = telemetry.Of("paymentlinks.forwarding.duration");
        durations.ShouldAllBe(m => m.Unit == "s" && m.Value > 0);
        durations.Count(m => (string)m.Tags["paymentlinks.destination"]! == "meta").ShouldBe(1, "one request carries Meta's three");
        durations.Count(m => (string)m.Tags["paymentlinks.destination"]! == "google_analytics").ShouldBe(3);
        durations.Where(m => (string)m.Tags["paymentlinks.destination"]! == "webhook").Select(m => m.Tags["paymentlinks.outcome"]).ShouldAllBe(outcome => (string)outcome! == "retry");

        var spans = telemetry.Activities.Where(span => span.OperationName == "paymentlinks.forward").ToList();
        var meta = spans.Single(span => (string)span.GetTagItem("paymentlinks.destination")! == "meta");
        meta.GetTagItem("paymentlinks.conversions").ShouldBe(3);
        meta.GetTagItem("paymentlinks.session_id").ShouldBeNull();
        meta.Kind.ShouldBe(System.Diagnostics.ActivityKind.Client);
        spans.Where(span => (string)span.GetTagItem("paymentlinks.destination")! == "google_analytics").Select(span => (string)span.GetTagItem("paymentlinks.session_id")!)
            .ShouldBe(sessions, ignoreOrder: true);
        var webhook = spans.Where(span => (string)span.GetTagItem("paymentlinks.destination")! == "webhook").ToList();
        webhook.Count.ShouldBe(6);
        webhook.ShouldAllBe(span => span.Status == System.Diagnostics.ActivityStatusCode.Error && (string)span.GetTagItem("paymentlinks.outcome")! == "retry");

        string[] secrets = [LoopbackDestinations.ApiSecret, LoopbackDestinations.AccessToken, LoopbackDestinations.WebhookSecret, SignedWebhooks.CustomerEmail, "198.51.100.23", "GA1.1.", "http"];
        var texts = spans.SelectMany(span => span.TagObjects.Select(tag => tag.Value?.ToString() ?? string.Empty).Append(span.StatusDescription ?? string.Empty))
            .Concat(telemetry.Measurements.SelectMany(m => m.Tags.Values.Select(value => value?.ToString() ?? string.Empty)))
            .ToList();
        texts.ShouldNotBeEmpty();
        foreach (var secret in secrets)
        {
            texts.ShouldAllBe(text => !text.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Test]
    public async Task The_pending_conversions_gauge_counts_what_waits_when_the_worker_is_idle()
    {
        using var telemetry = new Diagnostics.TelemetryRecorder();
        var instance = Forwarder(on: [ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));
        await DrainAsync(instance);
        telemetry.Observe();
        telemetry.Of("paymentlinks.conversions.pending")[^1].Value.ShouldBe(0);

        // Two conversions held by another instance's lease: pending, but nothing this worker can take.
        await instance.Ledger.RecordAsync(PaidEvent(NewLiveSessionId()));
        (await instance.Ledger.ClaimConversionsAsync(ForwardingDestination.GoogleAnalytics, "elsewhere", 10, TimeSpan.FromMinutes(1), CancellationToken.None)).Count.ShouldBe(1);
        (await instance.Ledger.ClaimConversionsAsync(ForwardingDestination.Webhook, "elsewhere", 10, TimeSpan.FromMinutes(1), CancellationToken.None)).Count.ShouldBe(1);
        (await instance.Worker.ForwardRoundAsync(CancellationToken.None)).ShouldBeFalse();
        telemetry.Observe();

        var pending = telemetry.Of("paymentlinks.conversions.pending")[^1];
        pending.Value.ShouldBe(2);
        pending.Unit.ShouldBe("{conversion}");
    }

    internal sealed record ForwardingInstance(DbPaymentLinkLedger Ledger, ForwardingWorker Worker, IPaymentLinkForwarding Forwarding, IPaymentLinkAttribution Attribution);

    internal ForwardingInstance Forwarder(
        Action<PaymentLinkForwardingOptions>? tweak = null, ForwardingDestination[]? on = null, DependencyInjection.CapturedLogs? logs = null, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        if (logs is not null)
        {
            services.AddLogging(builder => builder.AddProvider(logs));
        }

        AddLedger(services, options => options.RunFulfillment = false);
        services.AddPaymentLinkForwarding(options =>
        {
            Destinations.Configure(options, on ?? []);
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
            // Long enough for a cold first request on a busy machine: a request that times out is (rightly) sent again.
            options.RequestTimeout = TimeSpan.FromSeconds(5);
            options.LeaseDuration = TimeSpan.FromSeconds(20);
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            tweak?.Invoke(options);
        });
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return new ForwardingInstance(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            provider.GetRequiredService<IPaymentLinkForwarding>(),
            provider.GetRequiredService<IPaymentLinkAttribution>());
    }

    private static async Task DrainAsync(ForwardingInstance instance)
    {
        while (await instance.Worker.ForwardRoundAsync(CancellationToken.None))
        {
        }
    }

    /// <summary>Runs rounds (waiting out retries' backoff) until the outbox's rows satisfy <paramref name="done"/>.</summary>
    private static async Task DrainUntilAsync(ForwardingInstance instance, Func<IReadOnlyList<ForwardedConversion>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await DrainAsync(instance);
            var rows = await instance.Forwarding.ListAsync(limit: 1000);
            if (rows.Count > 0 && done(rows))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException("The outbox did not settle: " + string.Join("; ", rows.Select(row => $"{row.Destination} {row.State} {row.Attempts} {row.LastError}")));
            }

            await Task.Delay(20);
        }
    }

    internal static string NewLiveSessionId() => $"cs_live_{Guid.NewGuid():N}";

    internal static PaymentLinkEvent PaidEvent(
        string sessionId,
        long amount = 4200,
        string currency = "usd",
        bool livemode = true,
        DateTimeOffset? created = null,
        string email = SignedWebhooks.CustomerEmail,
        string type = "checkout.session.completed",
        string? paymentIntent = null)
    {
        var envelope = PaidEnvelope(sessionId, amount, currency, livemode, created ?? DateTimeOffset.UtcNow.AddSeconds(-2), email, type);
        if (paymentIntent is not null)
        {
            envelope["data"]!["object"]!["payment_intent"] = paymentIntent;
        }

        var body = SignedWebhooks.Body(envelope);
        return ForwardingParser.Parse(body, SignedWebhooks.Header(body));
    }

    internal static JsonObject PaidEnvelope(string sessionId, long amount, string currency, bool livemode, DateTimeOffset created, string email, string type)
    {
        var session = SignedWebhooks.CompletedSession();
        session["id"] = sessionId;
        session["amount_total"] = amount;
        session["currency"] = currency;
        session["livemode"] = livemode;
        session["customer_details"]!["email"] = email;
        return SignedWebhooks.Envelope(type, session, CheckoutEvents.NewEventId(), created.ToUnixTimeSeconds(), livemode);
    }

    private static string Sha256(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
