using System.Text.Json.Nodes;
using CsCheck;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>The report's aggregates against the scan of the ledger's rows, the oracle.</summary>
public abstract partial class LedgerContract
{
    private static readonly DateTimeOffset AggregatesStart = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly UtmCodes[] AggregateCampaigns =
    [
        new() { Source = "newsletter", Medium = "email", Campaign = "spring" },
        new() { Source = "ads", Medium = "cpc", Campaign = "summer" },
        UtmCodes.None,
    ];

    // Random sessions (live and test, of a payment link or not, paid at once or later, one-off or subscriptions) with their
    // refunds (rising, and failing), disputes (lost or won), renewals (also of a subscription the ledger never saw) and
    // thank-you visits (before or after their session), each event delivered one to three times in any order: for random
    // periods, whole hours or not, the aggregates give exactly the scan's report.
    [Test]
    public async Task The_aggregates_give_the_scans_report_for_any_history_and_period()
    {
        var ledger = Instance().Ledger;
        var run = 0;
        await Gen.Int.SampleAsync(
            async seed =>
            {
                var random = new Random(seed);
                var actions = AggregateHistory($"{run++}", random);
                foreach (var action in actions)
                {
                    await action(ledger);
                }

                for (var period = 0; period < 6; period++)
                {
                    var since = random.Next(4) == 0 ? (DateTimeOffset?)null : AnyMoment(random);
                    var until = random.Next(4) == 0 ? (DateTimeOffset?)null : AnyMoment(random);
                    if (since > until)
                    {
                        (since, until) = (until, since);
                    }

                    foreach (var mode in (PaymentLinkMode[])[PaymentLinkMode.Live, PaymentLinkMode.Test])
                    {
                        var expected = WithoutEmptyRows(await ledger.ScanReportAsync(since, until, mode));
                        var actual = await ledger.ReportAsync(since, until, mode);
                        actual.ShouldBe(expected, $"seed {seed}, {since:O} to {until:O}, {mode}");
                    }
                }

                // Folded or not, the same answer.
                await ledger.FoldReportAsync(int.MaxValue, CancellationToken.None);
                (await ledger.ReportAsync()).ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Live)), $"seed {seed}, folded");
            },
            iter: 12,
            threads: 1);
    }

    // A refund recorded at the very moment its session's first event is: the session's writer has read its pieces (the
    // refund not yet among them) and is held there until the refund's writer is done, or two seconds. The refund must
    // not be worked out without its session and left so: both writers take the lock of the payment they share first.
    [Test]
    public async Task A_refund_recorded_while_its_session_is_first_recorded_counts_under_the_sessions_campaign()
    {
        var ledger = Instance().Ledger;
        var refundRecorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sessionHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refundFinishedWhileHeld = false;
        ledger.AfterReportSessionRead = async cancellationToken =>
        {
            if (sessionHeld.TrySetResult())
            {
                await Task.WhenAny(refundRecorded.Task, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
                refundFinishedWhileHeld = refundRecorded.Task.IsCompleted;
            }
        };
        var sessionAt = AggregatesStart.AddDays(3);
        var session = Task.Run(() => ledger.RecordAsync(
            Session("cs_test_race", sessionAt, paymentIntent: "pi_race", amount: 10_000, utm: AggregateCampaigns[0])));
        await sessionHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var refund = Task.Run(async () =>
        {
            await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_race", "pi_race", 10_000, 4_000), sessionAt.AddMinutes(5)));
            refundRecorded.TrySetResult();
        });
        await Task.WhenAll(session, refund).WaitAsync(TimeSpan.FromSeconds(30));
        ledger.AfterReportSessionRead = null;

        var report = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (report.UtmCampaign, report.Gross, report.Refunded).ShouldBe(("spring", 10_000L, 4_000L));
        (await ledger.TestReportAsync()).ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test)));
        refundFinishedWhileHeld.ShouldBeFalse("the refund's writer waits for the session's");
    }

    [Test]
    public async Task A_rebuild_while_events_arrive_gives_the_scans_report()
    {
        var ledger = Instance().Ledger;
        var random = new Random(7);
        foreach (var action in AggregateHistory("rebuilt", random))
        {
            await action(ledger);
        }

        // The aggregates lost, then rebuilt in small batches while more events arrive.
        await ScalarAsync("DELETE FROM payment_link_report_piece_rows");
        await ScalarAsync("DELETE FROM payment_link_report_deltas");
        await ScalarAsync("DELETE FROM payment_link_report_aggregates");
        var more = AggregateHistory("during", random);
        var rebuild = ledger.RebuildReportAsync(null, 2, null, CancellationToken.None);
        foreach (var action in more)
        {
            await action(ledger);
        }

        (await rebuild).ShouldBeGreaterThan(0);
        (await ledger.ReportAsync()).ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Live)));
        var since = AggregatesStart.AddHours(30).AddMinutes(17);
        (await ledger.ReportAsync(since, since.AddDays(1))).ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(since, since.AddDays(1), PaymentLinkMode.Live)));
    }

    [Test]
    public async Task A_ledger_upgraded_with_money_reads_the_scan_until_its_aggregates_are_built()
    {
        var ledger = Instance().Ledger;
        foreach (var action in AggregateHistory("upgraded", new Random(3)))
        {
            await action(ledger);
        }

        // As version 16 leaves a ledger that had money: not built, and nothing aggregated yet.
        await ScalarAsync("DELETE FROM payment_link_report_piece_rows");
        await ScalarAsync("DELETE FROM payment_link_report_deltas");
        await ScalarAsync("DELETE FROM payment_link_report_aggregates");
        await ScalarAsync("UPDATE payment_link_report_state SET built = 0");
        var upgraded = Instance().Ledger;
        var scan = WithoutEmptyRows(await upgraded.ScanReportAsync(null, null, PaymentLinkMode.Live));
        scan.ShouldNotBeEmpty();
        (await upgraded.ReportAsync()).ShouldBe(scan);

        await upgraded.MaintainReportAsync(CancellationToken.None);
        (await ScalarAsync("SELECT built FROM payment_link_report_state")).ShouldNotBe(0L);
        (await ScalarAsync("SELECT COUNT(*) FROM payment_link_report_aggregates") is 0 or 0L).ShouldBeFalse();
        (await upgraded.ReportAsync()).ShouldBe(scan);
    }

    // The aggregates know last click over a session's visit, key and link, not its clicks: the report reads them while no
    // click was made before the period's end, and works any other period or model out from the ledger's rows.
    [Test]
    public async Task Last_click_reads_the_aggregates_while_no_click_can_be_a_touch_and_the_ledgers_rows_once_one_can()
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink);
        var early = ModelDay.AddDays(-10);
        await ledger.RecordAsync(ModelSession("cs_test_route_early", early, null, utm: LinkCodes));
        clock.Now = ModelDay;
        var reference = await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = SearchAd });
        await ledger.RecordAsync(ModelSession("cs_test_route_click", ModelDay.AddMinutes(3), reference, utm: LinkCodes));
        var (since, until) = (early.AddDays(-1), ModelDay.AddDays(-1));
        var beforeTheClick = await ledger.ReportAsync(since, until, PaymentLinkMode.Test);
        var allTime = await ledger.ReportAsync(null, null, PaymentLinkMode.Test);
        beforeTheClick.ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(since, until, PaymentLinkMode.Test)));
        Gross(beforeTheClick, LinkCodes).ShouldBe(10_000);
        (Gross(allTime, SearchAd), Gross(allTime, LinkCodes)).ShouldBe((10_000, 10_000));

        // The aggregates emptied behind the ledger's back: the period before the click finds nothing in them, while the
        // other models and the periods a click reaches are still worked out from the ledger's rows.
        await ScalarAsync("DELETE FROM payment_link_report_deltas");
        await ScalarAsync("DELETE FROM payment_link_report_aggregates");
        (await ledger.ReportAsync(since, until, PaymentLinkMode.Test)).ShouldBeEmpty();
        (await ledger.ReportAsync(since, until, PaymentLinkMode.Test, AttributionModel.Linear)).ShouldBe(beforeTheClick);
        (await ledger.ReportAsync(null, null, PaymentLinkMode.Test)).ShouldBe(allTime);
        (await ledger.ReportAsync(null, ModelDay.AddMinutes(1), PaymentLinkMode.Test)).ShouldBe(beforeTheClick);
    }

    private static DateTimeOffset AnyMoment(Random random) =>
        random.Next(3) == 0
            ? AggregatesStart.AddHours(random.Next(-24, 24 * 5))
            : AggregatesStart.AddSeconds(random.Next(-24 * 3600, 24 * 3600 * 5));

    /// <summary>A row whose every number is zero says nothing; the aggregates leave it out (see docs/attribution-and-report.md).</summary>
    private static List<CampaignReportRow> WithoutEmptyRows(IEnumerable<CampaignReportRow> rows) =>
        [.. rows.Where(row => row with { UtmSource = null, UtmMedium = null, UtmCampaign = null, Currency = null }
            != new CampaignReportRow(null, null, null, null, 0, 0, 0, 0, 0, 0, 0))];

    /// <summary>A random history's writes, shuffled, each event one to three times.</summary>
    private static List<Func<DbPaymentLinkLedger, Task>> AggregateHistory(string id, Random random)
    {
        var events = new List<PaymentLinkEvent>();
        var visits = new List<(string SessionId, UtmCodes Utm)>();
        DateTimeOffset At() => AggregatesStart.AddSeconds(random.Next(0, 24 * 3600 * 4));
        for (var s = 0; s < random.Next(1, 6); s++)
        {
            var sessionId = $"cs_agg_{id}_{s}";
            var livemode = random.Next(4) != 0;
            var utm = AggregateCampaigns[random.Next(AggregateCampaigns.Length)];
            var subscription = random.Next(3) == 0 ? $"sub_agg_{id}_{s}" : null;
            var paymentIntent = subscription is null ? $"pi_agg_{id}_{s}" : null;
            var amount = random.Next(1, 50) * 100;
            var created = At();
            var delayed = random.Next(4) == 0;
            events.Add(Session(
                sessionId, created, paymentIntent: paymentIntent, subscription: subscription, amount: amount, tax: random.Next(0, 3) * 10,
                utm: utm, livemode: livemode, paymentLink: random.Next(5) == 0 ? null : SignedWebhooks.PaymentLinkId,
                currency: random.Next(5) == 0 ? "eur" : "usd"));
            if (delayed)
            {
                events.Add(Session(sessionId, created.AddHours(random.Next(1, 30)), type: "checkout.session.async_payment_succeeded",
                    paymentIntent: paymentIntent, subscription: subscription, amount: amount, utm: utm, livemode: livemode));
            }

            if (random.Next(3) == 0)
            {
                visits.Add((sessionId, AggregateCampaigns[random.Next(AggregateCampaigns.Length)]));
            }

            var charge = $"ch_agg_{id}_{s}";
            if (paymentIntent is not null && random.Next(2) == 0)
            {
                var refunded = 0L;
                for (var r = 0; r < random.Next(1, 4); r++)
                {
                    refunded = Math.Min(amount, refunded + (random.Next(1, 10) * 50));
                    events.Add(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(charge, paymentIntent, amount, refunded), At(), livemode));
                }

                if (random.Next(3) == 0)
                {
                    events.Add(MoneyEvents.Read(
                        "charge.refund.updated", MoneyEvents.Refund($"re_agg_{id}_{s}", charge, paymentIntent, 50, random.Next(2) == 0 ? "failed" : "canceled", created: created),
                        At(), livemode));
                }
            }

            if (paymentIntent is not null && random.Next(4) == 0)
            {
                var dispute = $"du_agg_{id}_{s}";
                events.Add(MoneyEvents.Read("charge.dispute.created", MoneyEvents.Dispute(dispute, charge, paymentIntent, amount, "needs_response"), At(), livemode));
                events.Add(MoneyEvents.Read("charge.dispute.closed", MoneyEvents.Dispute(dispute, charge, paymentIntent, amount, random.Next(2) == 0 ? "lost" : "won"), At(), livemode));
            }

            if (subscription is not null)
            {
                for (var n = 1; n <= random.Next(0, 3); n++)
                {
                    var renewalIntent = $"pi_agg_{id}_{s}_{n}";
                    var paidAt = At();
                    events.Add(MoneyEvents.Read("invoice.paid", MoneyEvents.Invoice($"in_agg_{id}_{s}_{n}", subscription, "subscription_cycle", amount, 10, paidAt, renewalIntent), paidAt, livemode));
                    if (random.Next(2) == 0)
                    {
                        events.Add(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge($"ch_agg_{id}_{s}_{n}", renewalIntent, amount, amount), At(), livemode));
                    }
                }
            }
        }

        // A renewal of a subscription the ledger never saw: the campaign its metadata names.
        if (random.Next(2) == 0)
        {
            var paidAt = At();
            var metadata = new JsonObject { ["utm_source"] = "partner", ["utm_campaign"] = "orphan" };
            events.Add(MoneyEvents.Read("invoice.paid", MoneyEvents.Invoice($"in_agg_{id}_orphan", $"sub_agg_{id}_orphan", "subscription_cycle", 3_000, 0, paidAt, $"pi_agg_{id}_orphan", metadata), paidAt, true));
            events.Add(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge($"ch_agg_{id}_orphan", $"pi_agg_{id}_orphan", 3_000, 1_000), At(), true));
        }

        var actions = new List<Func<DbPaymentLinkLedger, Task>>();
        foreach (var paymentLinkEvent in events)
        {
            for (var delivery = random.Next(1, 4); delivery > 0; delivery--)
            {
                actions.Add(ledger => ledger.RecordAsync(paymentLinkEvent));
            }
        }

        foreach (var (sessionId, utm) in visits)
        {
            actions.Add(ledger => ledger.RecordVisitAsync(sessionId, utm));
        }

        for (var i = actions.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (actions[i], actions[j]) = (actions[j], actions[i]);
        }

        return actions;
    }
}
