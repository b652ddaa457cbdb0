using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// The report by attribution model on every engine: a session's touches are its visitor's clicks in the window, each model
/// shares its money among them in minor units, and a session without a known click keeps today's one touch.
/// </summary>
public abstract partial class LedgerContract
{
    private static readonly DateTimeOffset ModelDay = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly UtmCodes SearchAd = new() { Source = "google", Medium = "cpc", Campaign = "search" };
    private static readonly UtmCodes Newsletter = new() { Source = "newsletter", Medium = "email", Campaign = "june" };
    private static readonly UtmCodes LinkCodes = new() { Source = "link", Medium = "metadata", Campaign = "link_campaign" };

    [Test]
    public async Task A_click_then_its_session_is_the_clicks_campaign_with_the_merchants_reference_kept_beside_the_click_id()
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink + "?client_reference_id=order_4711");
        clock.Now = ModelDay;
        var reference = await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = SearchAd });
        reference.ShouldStartWith("order_4711" + ClientReferenceCodec.ClickMarker);

        await ledger.RecordAsync(ModelSession("cs_test_model_click", ModelDay.AddMinutes(3), reference, utm: LinkCodes));

        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model)).ShouldBe(
                [new CampaignReportRow("google", "cpc", "search", "usd", 1, 1, 10_000, 0, 0, 0, 1, Gross: 10_000)],
                AttributionModelNames.Format(model));
        }

        (await ledger.FindSessionAsync("cs_test_model_click"))!.ClientReferenceId.ShouldBe(reference);
    }

    [TestCase(AttributionModel.LastClick, 0, 0, 10_000)]
    [TestCase(AttributionModel.FirstClick, 10_000, 0, 0)]
    [TestCase(AttributionModel.LastNonDirect, 0, 10_000, 0)]
    [TestCase(AttributionModel.Linear, 3_333, 3_333, 3_334)]
    [TestCase(AttributionModel.PositionBased, 4_000, 2_000, 4_000)]
    [TestCase(AttributionModel.TimeDecay, 1_429, 2_857, 5_714)]
    public async Task Three_clicks_of_one_visitor_over_two_weeks_share_the_session_by_the_model(
        AttributionModel model, long searchAd, long newsletter, long ownClick)
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink);
        var reference = await ThreeClicksAsync(clicks, clock);
        await ledger.RecordAsync(ModelSession("cs_test_model_three", ModelDay, reference, utm: LinkCodes));

        var rows = await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model);

        // The last click carries no code: it stands for the session's own campaign (here the link's metadata).
        Gross(rows, SearchAd).ShouldBe(searchAd);
        Gross(rows, Newsletter).ShouldBe(newsletter);
        Gross(rows, LinkCodes).ShouldBe(ownClick);
        rows.Sum(row => row.Gross).ShouldBe(10_000);
        rows.Sum(row => row.Sessions).ShouldBe(1);
        rows.Sum(row => row.Paid).ShouldBe(1);
        rows.Sum(row => row.ByLink).ShouldBe(1);
        rows.ShouldAllBe(row => row.Gross > 0 || row.Sessions > 0);
    }

    [Test]
    public async Task A_click_before_the_window_is_not_a_touch_and_a_longer_window_takes_it()
    {
        foreach (var (window, firstCampaign, day) in new[] { (TimeSpan.FromDays(30), "june", ModelDay), (TimeSpan.FromDays(40), "search", ModelDay.AddDays(100)) })
        {
            var (clicks, ledger, clock) = ModelInstance(ClickedLink, options => options.AttributionWindow = window);
            clock.Now = day.AddDays(-31);
            var first = await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = SearchAd });
            clock.Now = day.AddDays(-1);
            var reference = await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = Newsletter, VisitorId = await VisitorOfAsync(first, clicks) });
            var session = $"cs_test_model_window_{window.Days}";
            await ledger.RecordAsync(ModelSession(session, day, reference));

            var rows = await ledger.ReportAsync(day.AddHours(-1), day.AddHours(1), PaymentLinkMode.Test, AttributionModel.FirstClick);
            rows.ShouldHaveSingleItem().UtmCampaign.ShouldBe(firstCampaign);
        }
    }

    [Test]
    public async Task A_click_id_the_ledger_does_not_know_falls_back_to_the_visit_key_or_link()
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink);
        clock.Now = ModelDay.AddDays(-2);
        await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = SearchAd });

        // A link shared after retention deleted its click: the id is well formed, the ledger has no such click.
        var reference = "order_1" + ClientReferenceCodec.ClickMarker + "abcdefghjkmnpqrs";
        ClientReferenceCodec.Decode(reference).ClickId.ShouldNotBeNull();
        await ledger.RecordAsync(ModelSession("cs_test_model_unknown", ModelDay, reference, utm: LinkCodes));

        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(ModelDay.AddHours(-1), ModelDay.AddHours(1), PaymentLinkMode.Test, model)).ShouldBe(
                [new CampaignReportRow("link", "metadata", "link_campaign", "usd", 1, 1, 10_000, 0, 0, 0, 1, Gross: 10_000)],
                AttributionModelNames.Format(model));
        }
    }

    [Test]
    public async Task Refunds_disputes_and_renewals_follow_their_sessions_split()
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink);
        var reference = await ThreeClicksAsync(clicks, clock);
        await ledger.RecordAsync(ModelSession("cs_test_model_money", ModelDay, reference, paymentIntent: "pi_model_money", subscription: "sub_model_money", utm: LinkCodes));
        await ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_model_1", "sub_model_money", "subscription_cycle", 3_001, 0, ModelDay.AddMonths(1), "pi_model_renewal"), ModelDay.AddMonths(1)));
        await ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_model_money", "pi_model_money", 10_000, 1_000), ModelDay.AddDays(2)));
        await ledger.RecordAsync(MoneyEvents.Read(
            "charge.dispute.closed", MoneyEvents.Dispute("du_model_money", "ch_model_renewal", "pi_model_renewal", 3_001, "lost"), ModelDay.AddMonths(1).AddDays(3)));

        var rows = await ledger.ReportAsync(null, null, PaymentLinkMode.Test, AttributionModel.PositionBased);

        Row(rows, SearchAd).ShouldBe(new CampaignReportRow(
            "google", "cpc", "search", "usd", 0, 0, 4_000 + 1_200 - 400 - 1_200, 0, 0, 0, 0,
            Gross: 4_000 + 1_200, Renewals: 0, RenewalRevenue: 1_200, Refunded: 400, Disputed: 1_200));
        Row(rows, Newsletter).ShouldBe(new CampaignReportRow(
            "newsletter", "email", "june", "usd", 0, 0, 2_000 + 600 - 200 - 600, 0, 0, 0, 0,
            Gross: 2_000 + 600, Renewals: 0, RenewalRevenue: 600, Refunded: 200, Disputed: 600));
        Row(rows, LinkCodes).ShouldBe(new CampaignReportRow(
            "link", "metadata", "link_campaign", "usd", 1, 1, 4_000 + 1_201 - 400 - 1_201, 0, 0, 0, 1,
            Gross: 4_000 + 1_201, Renewals: 1, RenewalRevenue: 1_201, Refunded: 400, Disputed: 1_201));

        // Every model's columns add up to the same totals, to the unit.
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            Totals(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model)).ShouldBe(Totals(rows), AttributionModelNames.Format(model));
        }
    }

    // Random sessions (some from clicks, some not), refunds, lost disputes and renewals, recorded in any order: every
    // model's columns add up to the money recorded; and where there are no clicks, every model is the grouped report.
    [Test]
    public async Task Every_models_report_sums_to_the_same_totals_and_without_clicks_equals_todays_report()
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink);
        var run = 0;
        var scenarios =
            from sessions in Gen.Select(
                Gen.Long[0, 50_000], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Long[0, 100], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 3]).Array[1, 4]
            from clickDays in Gen.Int[0, 45].Array[0, 5]
            from seed in Gen.Int
            select (sessions, clickDays, seed);
        await scenarios.SampleAsync(
            async scenario =>
            {
                var band = run++;
                var random = new Random(scenario.seed);

                // First the band without clicks, years before any click: the grouped report is the reference.
                var quietStart = new DateTimeOffset(2000 + band, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var quiet = ScenarioEvents($"q{band}", quietStart, scenario.sessions, _ => null, random, out _);
                foreach (var delivery in quiet)
                {
                    await ledger.RecordAsync(delivery);
                }

                var today = await ledger.ReportAsync(quietStart, quietStart.AddYears(1), PaymentLinkMode.Test);
                foreach (var model in Enum.GetValues<AttributionModel>())
                {
                    (await ledger.ReportAsync(quietStart, quietStart.AddYears(1), PaymentLinkMode.Test, model)).ShouldBe(today, AttributionModelNames.Format(model));
                }

                // Then a band with clicks: one visitor's clicks over the weeks before, the sessions naming some of them.
                var start = new DateTimeOffset(2040 + band, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var converted = start.AddDays(60);
                var references = new List<string>();
                string? visitor = null;
                foreach (var day in scenario.clickDays.Order())
                {
                    clock.Now = converted.AddDays(-45 + day).AddSeconds(-1);
                    var utm = random.Next(3) switch { 0 => SearchAd, 1 => Newsletter, _ => UtmCodes.None };
                    var redirect = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Utm = utm, VisitorId = visitor, Gclid = random.Next(4) == 0 ? "gclid" : null }))!;
                    visitor = redirect.Click!.VisitorId;
                    references.Add(QueryValue(redirect.Location, "client_reference_id")!);
                }

                var events = ScenarioEvents(
                    $"c{band}", converted, scenario.sessions, i => references.Count == 0 || i % 3 == 2 ? null : references[i % references.Count], random, out var expected);
                foreach (var delivery in events)
                {
                    await ledger.RecordAsync(delivery);
                }

                foreach (var model in Enum.GetValues<AttributionModel>())
                {
                    var rows = await ledger.ReportAsync(start, start.AddYears(1), PaymentLinkMode.Test, model);
                    Totals(rows).ShouldBe(expected, AttributionModelNames.Format(model));
                    rows.ShouldAllBe(row => row.Revenue == NetRevenue.Of(row.Gross, row.Tax, row.Refunded, row.Disputed));
                }
            },
            iter: 8,
            threads: 1);
    }

    /// <summary>
    /// The events of generated sessions at <paramref name="at"/> (amount, tax, renewals, refund percent, a lost dispute,
    /// currency), shuffled and some delivered twice; <paramref name="expected"/> gets the totals they add up to.
    /// </summary>
    private static List<PaymentLinkEvent> ScenarioEvents(
        string prefix,
        DateTimeOffset at,
        (long Amount, int Renewals, int Tax, long RefundPercent, bool Disputed, int Currency, int Reference)[] sessions,
        Func<int, string?> reference,
        Random random,
        out ModelTotals expected)
    {
        var events = new List<PaymentLinkEvent>();
        var totals = new Dictionary<string, long[]>();
        for (var i = 0; i < sessions.Length; i++)
        {
            var (amount, renewals, taxPart, refundPercent, disputed, currencyIndex, _) = sessions[i];
            var currency = currencyIndex == 0 ? "usd" : currencyIndex == 1 ? "eur" : "jpy";
            var id = $"{prefix}_{i}";
            var tax = amount * taxPart / 10;
            var subscription = renewals > 0 ? $"sub_{id}" : null;
            events.Add(ModelSession($"cs_test_{id}", at, reference(i), amount, $"pi_{id}", subscription, i % 2 == 0 ? LinkCodes : null, currency, tax));
            var sums = totals.TryGetValue(currency, out var found) ? found : totals[currency] = new long[6];
            sums[0] += 1;
            sums[1] += amount;
            sums[3] += tax;
            var refunded = amount * refundPercent / 100;
            if (refunded > 0)
            {
                events.Add(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge($"ch_{id}", $"pi_{id}", amount, refunded, currency), at.AddDays(1)));
                sums[4] += refunded;
            }

            for (var r = 1; r <= renewals; r++)
            {
                var renewal = 1_000L * r + i;
                events.Add(MoneyEvents.Read(
                    "invoice.paid", MoneyEvents.Invoice($"in_{id}_{r}", subscription!, "subscription_cycle", renewal, 0, at.AddDays(30 * r), $"pi_{id}_{r}", currency: currency), at.AddDays(30 * r)));
                sums[1] += renewal;
                sums[2] += 1;
            }

            if (disputed && renewals > 0)
            {
                events.Add(MoneyEvents.Read("charge.dispute.closed", MoneyEvents.Dispute($"du_{id}", $"ch_{id}_1", $"pi_{id}_1", 1_000L + i, "lost", currency), at.AddDays(40)));
                sums[5] += 1_000L + i;
            }
        }

        var deliveries = events.SelectMany(e => Enumerable.Repeat(e, random.Next(1, 3))).ToList();
        for (var i = deliveries.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (deliveries[i], deliveries[j]) = (deliveries[j], deliveries[i]);
        }

        expected = new ModelTotals(totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}:{string.Join(",", t.Value)}").ToArray());
        return deliveries;
    }

    /// <summary>Per currency: sessions, gross, renewals, tax, refunded, disputed.</summary>
    private sealed record ModelTotals(string[] ByCurrency)
    {
        public bool Equals(ModelTotals? other) => other is not null && ByCurrency.SequenceEqual(other.ByCurrency);

        public override int GetHashCode() => ByCurrency.Length;

        public override string ToString() => string.Join(" ", ByCurrency);
    }

    private static ModelTotals Totals(IEnumerable<CampaignReportRow> rows) =>
        new(rows.GroupBy(row => row.Currency ?? string.Empty)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => $"{group.Key}:{group.Sum(r => r.Sessions)},{group.Sum(r => r.Gross)},{group.Sum(r => r.Renewals)}," +
                $"{group.Sum(r => r.Tax)},{group.Sum(r => r.Refunded)},{group.Sum(r => r.Disputed)}")
            .ToArray());

    private static long Gross(IReadOnlyList<CampaignReportRow> rows, UtmCodes utm) =>
        rows.Where(row => row.UtmCampaign == utm.Campaign && row.UtmSource == utm.Source).Sum(row => row.Gross);

    private static CampaignReportRow Row(IReadOnlyList<CampaignReportRow> rows, UtmCodes utm) =>
        rows.Single(row => row.UtmCampaign == utm.Campaign && row.UtmSource == utm.Source);

    /// <summary>
    /// Three clicks of one visitor: a search ad 14 days before <see cref="ModelDay"/>, a newsletter 7 days before, and a
    /// direct one (no code, no ad id) at <see cref="ModelDay"/>, whose reference is returned.
    /// </summary>
    private static async Task<string> ThreeClicksAsync(IPaymentLinkClicks clicks, SettableClock clock)
    {
        clock.Now = ModelDay.AddDays(-14);
        var first = await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = SearchAd });
        var visitor = await VisitorOfAsync(first, clicks);
        clock.Now = ModelDay.AddDays(-7);
        await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = Newsletter, VisitorId = visitor });
        clock.Now = ModelDay;
        return await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", VisitorId = visitor });
    }

    private static async Task<string> VisitorOfAsync(string reference, IPaymentLinkClicks clicks) =>
        (await clicks.FindClickAsync(ClientReferenceCodec.Decode(reference).ClickId!)).ShouldNotBeNull().VisitorId!;

    /// <summary>Records a click and gives the <c>client_reference_id</c> its redirect carries.</summary>
    private static async Task<string> ClickAsync(IPaymentLinkClicks clicks, PaymentLinkClick click)
    {
        var redirect = (await clicks.RecordClickAsync(click)).ShouldNotBeNull();
        redirect.Click.ShouldNotBeNull();
        return QueryValue(redirect.Location, "client_reference_id").ShouldNotBeNull();
    }

    private (IPaymentLinkClicks Clicks, DbPaymentLinkLedger Ledger, SettableClock Clock) ModelInstance(
        string link, Action<PaymentLinkLedgerOptions>? tweak = null)
    {
        var clock = new SettableClock { Now = ModelDay };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddPaymentLinkTracking(options => options.Links["pro"] = link);
        AddLedger(services, options =>
        {
            options.RunFulfillment = false;
            tweak?.Invoke(options);
        });
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return (provider.GetRequiredService<IPaymentLinkClicks>(), provider.GetRequiredService<DbPaymentLinkLedger>(), clock);
    }

    private static PaymentLinkEvent ModelSession(
        string sessionId,
        DateTimeOffset created,
        string? clientReferenceId,
        long amount = 10_000,
        string? paymentIntent = null,
        string? subscription = null,
        UtmCodes? utm = null,
        string currency = "usd",
        long tax = 0)
    {
        var session = SignedWebhooks.CompletedSession();
        session["id"] = sessionId;
        session["client_reference_id"] = clientReferenceId;
        session["mode"] = subscription is null ? "payment" : "subscription";
        session["payment_intent"] = paymentIntent;
        session["subscription"] = subscription;
        session["amount_total"] = amount;
        session["currency"] = currency;
        session["total_details"]!["amount_tax"] = tax;
        session["livemode"] = false;
        var metadata = new JsonObject();
        foreach (var (key, value) in new[] { ("utm_source", utm?.Source), ("utm_medium", utm?.Medium), ("utm_campaign", utm?.Campaign) })
        {
            if (value is not null)
            {
                metadata[key] = value;
            }
        }

        session["metadata"] = metadata;
        return MoneyEvents.Read("checkout.session.completed", session, created);
    }
}

/// <summary>A clock a test sets, forwards or back.</summary>
internal sealed class SettableClock : TimeProvider
{
    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
