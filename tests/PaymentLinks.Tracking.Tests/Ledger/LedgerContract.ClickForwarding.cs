using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>Forwarding with the click a session came from, on every engine: the outbox row carries it.</summary>
public abstract partial class LedgerContract
{
    [Test]
    public async Task A_claimed_outbox_row_carries_the_click_its_session_came_from()
    {
        var instance = ClickForwarder([ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook]);
        var redirect = (await instance.Clicks.RecordClickAsync(new PaymentLinkClick
        {
            LinkName = "pro",
            MerchantReference = "order_77",
            Gclid = "EAIaIQobChMI_gclid",
            Gbraid = "gbraid_1",
            Wbraid = "wbraid_1",
            Fbclid = "IwAR2F4-Case_Sensitive",
            Ttclid = "ttclid_1",
            Msclkid = "msclkid_1",
            LiFatId = "li_fat_id_1",
            RdtCid = "rdt_cid_1",
            GoogleAnalyticsCookie = "GA1.1.111.222",
            Fbp = "fb.1.1700000000000.123",
            Ttp = "ttp_1",
            LandingUrl = "https://shop.example/go/pro?gclid=EAIaIQobChMI_gclid",
            IpAddress = "198.51.100.7",
            UserAgent = "Mozilla/5.0 (clicked)",
        }))!;
        var click = redirect.Click.ShouldNotBeNull();
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEventWithReference(sessionId, QueryValue(redirect.Location, "client_reference_id")));

        foreach (var destination in new[] { ForwardingDestination.GoogleAnalytics, ForwardingDestination.Webhook })
        {
            var row = (await instance.Ledger.ClaimConversionsAsync(destination, "claimer", 10, TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldHaveSingleItem();
            row.SessionId.ShouldBe(sessionId);
            var carried = row.Click.ShouldNotBeNull();
            carried.ShouldBe(click);
            carried.Gclid.ShouldBe("EAIaIQobChMI_gclid");
            carried.Gbraid.ShouldBe("gbraid_1");
            carried.Wbraid.ShouldBe("wbraid_1");
            carried.Fbclid.ShouldBe("IwAR2F4-Case_Sensitive");
            carried.Fbc.ShouldBe($"fb.1.{click.ClickedAt.ToUnixTimeMilliseconds()}.IwAR2F4-Case_Sensitive");
            carried.Ttclid.ShouldBe("ttclid_1");
            carried.Msclkid.ShouldBe("msclkid_1");
            carried.LiFatId.ShouldBe("li_fat_id_1");
            carried.RdtCid.ShouldBe("rdt_cid_1");
            carried.GoogleAnalyticsCookie.ShouldBe("GA1.1.111.222");
            carried.Fbp.ShouldBe("fb.1.1700000000000.123");
            carried.Ttp.ShouldBe("ttp_1");
            carried.LandingUrl.ShouldBe("https://shop.example/go/pro?gclid=EAIaIQobChMI_gclid");
            carried.IpAddress.ShouldBe("198.51.100.7");
            carried.UserAgent.ShouldBe("Mozilla/5.0 (clicked)");
            row.HasVisit.ShouldBeFalse();
        }
    }

    [Test]
    public async Task An_outbox_row_carries_no_click_where_its_session_names_none_the_ledger_knows()
    {
        var instance = ClickForwarder([ForwardingDestination.GoogleAnalytics]);
        var recorded = (await instance.Clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Gclid = "g_1" }))!.Click!;
        var withoutConsent = (await instance.Clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Gclid = "g_2" }))!;
        var references = new Dictionary<string, string?>
        {
            [NewLiveSessionId()] = null,
            [NewLiveSessionId()] = "order_1",

            // A click id the ledger does not know (a link shared after the retention deleted its click).
            [NewLiveSessionId()] = "order_2" + ClientReferenceCodec.ClickMarker + "abcdefghijkmnpqr",

            // The click's id without the marker before it is the merchant's text, not a click.
            [NewLiveSessionId()] = "order_3_" + recorded.ClickId,
            [NewLiveSessionId()] = recorded.ClickId,
        };
        var consentless = NewLiveSessionId();
        foreach (var (sessionId, reference) in references)
        {
            await instance.Ledger.RecordAsync(PaidEventWithReference(sessionId, reference));
        }

        await instance.Ledger.RecordAsync(PaidEventWithReference(consentless, QueryValue(withoutConsent.Location, "client_reference_id")));

        var rows = await instance.Ledger.ClaimConversionsAsync(ForwardingDestination.GoogleAnalytics, "claimer", 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        rows.Count.ShouldBe(references.Count + 1);
        rows.Where(row => references.ContainsKey(row.SessionId)).ShouldAllBe(row => row.Click == null);
        var carried = rows.Single(row => row.SessionId == consentless).Click.ShouldNotBeNull();
        carried.Gclid.ShouldBe("g_2");
        carried.IpAddress.ShouldBeNull();
        carried.UserAgent.ShouldBeNull();
    }

    private const string ClickLanding = "https://shop.example/go/pro?fbclid=IwAR_clicked&gclid=EAIa_clicked";

    /// <summary>A click with every identifier, recorded under consent (its IP and user agent kept) unless <paramref name="consented"/> is false.</summary>
    private static PaymentLinkClick FullClick(bool consented = true) => new()
    {
        LinkName = "pro",
        Gclid = "EAIa_clicked",
        Fbclid = "IwAR_clicked",
        GoogleAnalyticsCookie = "GA1.1.333.444",
        Fbp = "fb.1.1700000000000.777",
        LandingUrl = ClickLanding,
        IpAddress = consented ? "198.51.100.44" : null,
        UserAgent = consented ? "Mozilla/5.0 (Clicked)" : null,
    };

    [Test]
    public async Task A_session_with_a_click_and_no_visit_goes_with_the_clicks_identifiers()
    {
        // No AssumeConsent: the click kept its IP and user agent, which it does only under granted consent.
        var instance = ClickForwarder([ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta]);
        var redirect = (await instance.Clicks.RecordClickAsync(FullClick()))!;
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEventWithReference(sessionId, QueryValue(redirect.Location, "client_reference_id")));

        await DrainAsync(instance.Worker);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldHaveSingleItem();
        ga["client_id"]!.GetValue<string>().ShouldBe("333.444");
        ga["consent"]!["ad_user_data"]!.GetValue<string>().ShouldBe("GRANTED");
        var meta = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem()["data"]!.AsArray().ShouldHaveSingleItem()!;
        meta["action_source"]!.GetValue<string>().ShouldBe("website");
        meta["event_source_url"]!.GetValue<string>().ShouldBe(ClickLanding);
        var user = meta["user_data"]!;
        user["fbc"]!.GetValue<string>().ShouldBe($"fb.1.{redirect.Click!.ClickedAt.ToUnixTimeMilliseconds()}.IwAR_clicked");
        user["fbp"]!.GetValue<string>().ShouldBe("fb.1.1700000000000.777");
        user["client_user_agent"]!.GetValue<string>().ShouldBe("Mozilla/5.0 (Clicked)");
        user["client_ip_address"]!.GetValue<string>().ShouldBe("198.51.100.44");
    }

    [Test]
    public async Task With_a_click_and_a_visit_the_visit_speaks_for_the_browser_and_the_click_for_the_ad()
    {
        var instance = ClickForwarder([ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta]);
        var redirect = (await instance.Clicks.RecordClickAsync(FullClick()))!;
        var sessionId = NewLiveSessionId();
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails
        {
            GoogleAnalyticsCookie = "GA1.1.555.666",
            MetaBrowserCookie = "fb.1.1764000000000.888",
            MetaClickCookie = "fb.1.1764000000000.VisitFbc",
            UserAgent = "Mozilla/5.0 (Thank-you page)",
            PageUrl = $"https://shop.example/thanks?session_id={sessionId}",
            ClientIp = "203.0.113.55",
            Consent = VisitConsent.Granted,
        });
        await instance.Ledger.RecordAsync(PaidEventWithReference(sessionId, QueryValue(redirect.Location, "client_reference_id")));

        await DrainAsync(instance.Worker);

        Destinations.Accepted(ForwardingDestination.GoogleAnalytics).ShouldHaveSingleItem()["client_id"]!.GetValue<string>().ShouldBe("555.666");
        var meta = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem()["data"]!.AsArray().ShouldHaveSingleItem()!;
        meta["action_source"]!.GetValue<string>().ShouldBe("website");
        meta["event_source_url"]!.GetValue<string>().ShouldBe($"https://shop.example/thanks?session_id={sessionId}");
        var user = meta["user_data"]!;
        user["client_user_agent"]!.GetValue<string>().ShouldBe("Mozilla/5.0 (Thank-you page)");
        user["client_ip_address"]!.GetValue<string>().ShouldBe("203.0.113.55");
        user["fbp"]!.GetValue<string>().ShouldBe("fb.1.1764000000000.888");
        user["fbc"]!.GetValue<string>().ShouldBe($"fb.1.{redirect.Click!.ClickedAt.ToUnixTimeMilliseconds()}.IwAR_clicked");
    }

    [Test]
    public async Task Without_consent_no_ip_address_or_user_agent_goes_from_a_click()
    {
        var instance = ClickForwarder([ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta]);

        // Consent not given at the click (nothing of the browser kept), none reported since, none assumed.
        var unconsented = (await instance.Clicks.RecordClickAsync(FullClick(consented: false)))!;
        var quiet = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEventWithReference(quiet, QueryValue(unconsented.Location, "client_reference_id")));

        // Consent given at the click, then denied on the thank-you page: the later answer stands.
        var consented = (await instance.Clicks.RecordClickAsync(FullClick()))!;
        var denied = NewLiveSessionId();
        await instance.Attribution.RecordVisitAsync(denied, UtmCodes.None, new ThankYouVisitDetails { Consent = VisitConsent.Denied });
        await instance.Ledger.RecordAsync(PaidEventWithReference(denied, QueryValue(consented.Location, "client_reference_id")));

        await DrainAsync(instance.Worker);

        var ga = Destinations.Accepted(ForwardingDestination.GoogleAnalytics);
        ga.Count.ShouldBe(2);
        ga.ShouldAllBe(body => body["consent"]!["ad_user_data"]!.GetValue<string>() == "DENIED" && body["user_data"] == null);
        Destinations.Accepted(ForwardingDestination.Meta).ShouldBeEmpty();
        (await instance.Forwarding.ListAsync(ForwardingState.Withheld)).Select(row => row.SessionId).ShouldBe([quiet, denied], ignoreOrder: true);
        var sent = string.Concat(Destinations.Answered(ForwardingDestination.GoogleAnalytics).Concat(Destinations.Answered(ForwardingDestination.Meta))
            .Select(answer => answer.Request.RawBody));
        sent.ShouldNotContain("198.51.100.44");
        sent.ShouldNotContain("Mozilla/5.0 (Clicked)");
    }

    [Test]
    public async Task With_consent_assumed_a_click_without_its_browser_gives_meta_its_ad_ids_only()
    {
        var instance = ClickForwarder([ForwardingDestination.Meta], options => options.AssumeConsent = true);
        var redirect = (await instance.Clicks.RecordClickAsync(FullClick(consented: false)))!;
        var sessionId = NewLiveSessionId();
        await instance.Ledger.RecordAsync(PaidEventWithReference(sessionId, QueryValue(redirect.Location, "client_reference_id")));

        await DrainAsync(instance.Worker);

        var meta = Destinations.Accepted(ForwardingDestination.Meta).ShouldHaveSingleItem()["data"]!.AsArray().ShouldHaveSingleItem()!;
        meta["action_source"]!.GetValue<string>().ShouldBe("other");
        meta["event_source_url"].ShouldBeNull();
        var user = meta["user_data"]!.AsObject();
        user["fbc"]!.GetValue<string>().ShouldBe($"fb.1.{redirect.Click!.ClickedAt.ToUnixTimeMilliseconds()}.IwAR_clicked");
        user["fbp"]!.GetValue<string>().ShouldBe("fb.1.1700000000000.777");
        user.ContainsKey("client_ip_address").ShouldBeFalse();
        user.ContainsKey("client_user_agent").ShouldBeFalse();
    }

    private static async Task DrainAsync(ForwardingWorker worker)
    {
        while (await worker.ForwardRoundAsync(CancellationToken.None))
        {
        }
    }

    [Test]
    public async Task A_visit_keeps_its_visitor_and_erasing_its_session_erases_that_visitors_clicks()
    {
        var instance = ClickForwarder([ForwardingDestination.Webhook]);
        var click = (await instance.Clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Gclid = "gclid_of_the_visitor" }))!.Click!;
        var stranger = (await instance.Clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro" }))!.Click!;

        // The session names no click (its reference had no room, or the buyer came back through a plain link), but the
        // thank-you page saw the visitor's cookie.
        var sessionId = NewLiveSessionId();
        var malformed = NewLiveSessionId();
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails { VisitorId = click.VisitorId, BrowserKey = "key-1" });
        await instance.Attribution.RecordVisitAsync(malformed, UtmCodes.None, new ThankYouVisitDetails { VisitorId = "x'; DROP TABLE" });
        await instance.Ledger.RecordAsync(PaidEventWithReference(sessionId, "order_9"));

        (await ScalarAsync($"SELECT visitor_id FROM payment_link_visit_visitors WHERE session_id = '{sessionId}'")).ShouldBe(click.VisitorId);
        LedgerStore.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM payment_link_visit_visitors WHERE session_id = '{malformed}'")).ShouldBe(0);

        // A later visit from another browser does not change the visitor.
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails { VisitorId = stranger.VisitorId, BrowserKey = "key-2" });
        (await ScalarAsync($"SELECT visitor_id FROM payment_link_visit_visitors WHERE session_id = '{sessionId}'")).ShouldBe(click.VisitorId);

        (await instance.Ledger.EraseSessionAsync(sessionId)).SessionIds.ShouldContain(sessionId);

        (await instance.Clicks.FindClickAsync(click.ClickId!)).ShouldBeNull();
        (await instance.Clicks.FindClickAsync(stranger.ClickId!)).ShouldNotBeNull();
        LedgerStore.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM payment_link_visit_visitors WHERE session_id = '{sessionId}'")).ShouldBe(0);
        (await PlacesContainingAsync("gclid_of_the_visitor")).ShouldBeEmpty();
        (await PlacesContainingAsync(click.VisitorId!)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_visit_with_its_visitor_but_no_payment_loses_the_visitor_when_the_visit_expires()
    {
        // Older than the unclaimed visits' lifetime (a day by default).
        var past = ClickForwarder([ForwardingDestination.Webhook], clock: new ShiftedClock(TimeSpan.FromHours(-25)));
        var click = (await past.Clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro" }))!.Click!;
        var (expired, recent) = (NewLiveSessionId(), NewLiveSessionId());
        await past.Attribution.RecordVisitAsync(expired, UtmCodes.None, new ThankYouVisitDetails { VisitorId = click.VisitorId });
        (await ScalarAsync("SELECT session_id FROM payment_link_visit_visitors")).ShouldBe(expired);

        // The next visit of an unknown session sweeps the expired ones first.
        var instance = ClickForwarder([ForwardingDestination.Webhook]);
        await instance.Attribution.RecordVisitAsync(recent, UtmCodes.None, new ThankYouVisitDetails { VisitorId = click.VisitorId });

        (await ScalarAsync("SELECT session_id FROM payment_link_visit_visitors")).ShouldBe(recent);
    }

    internal sealed record ClickForwardingInstance(
        DbPaymentLinkLedger Ledger, ForwardingWorker Worker, IPaymentLinkClicks Clicks, IPaymentLinkAttribution Attribution, IPaymentLinkForwarding Forwarding);

    /// <summary>The ledger forwarding to the loopback destinations, with its clicks over the one link <c>pro</c>.</summary>
    internal ClickForwardingInstance ClickForwarder(ForwardingDestination[] on, Action<PaymentLinkForwardingOptions>? tweak = null, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        services.AddLogging();
        services.AddPaymentLinkTracking(options => options.Links["pro"] = ClickedLink);
        AddLedger(services, options => options.RunFulfillment = false);
        services.AddPaymentLinkForwarding(options =>
        {
            Destinations.Configure(options, on);
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
            options.RequestTimeout = TimeSpan.FromSeconds(5);
            options.LeaseDuration = TimeSpan.FromSeconds(20);
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            tweak?.Invoke(options);
        });
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return new ClickForwardingInstance(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            provider.GetRequiredService<IPaymentLinkClicks>(),
            provider.GetRequiredService<IPaymentLinkAttribution>(),
            provider.GetRequiredService<IPaymentLinkForwarding>());
    }

    /// <summary>A paid live session whose <c>client_reference_id</c> is <paramref name="clientReferenceId"/> (none when <see langword="null"/>).</summary>
    internal static PaymentLinkEvent PaidEventWithReference(string sessionId, string? clientReferenceId)
    {
        var envelope = PaidEnvelope(sessionId, 4200, "usd", livemode: true, DateTimeOffset.UtcNow.AddSeconds(-2), SignedWebhooks.CustomerEmail, "checkout.session.completed");
        envelope["data"]!["object"]!["client_reference_id"] = clientReferenceId;
        var body = SignedWebhooks.Body(envelope);
        return ForwardingParser.Parse(body, SignedWebhooks.Header(body));
    }
}
