using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.DependencyInjection;
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
    // refunds (rising, and failing), disputes (lost or won), renewals (also of a subscription the ledger never saw),
    // thank-you visits (before or after their session) and clicks (several a visitor, some outside the window, some never
    // written, written in batches before or after their session's events, some erased with a session or by the
    // retention), each event delivered one to three times in any order: for random periods, whole hours or not, every
    // model's report from the aggregates is exactly the one worked out from the ledger's rows.
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

                for (var period = 0; period < 5; period++)
                {
                    var since = random.Next(4) == 0 ? (DateTimeOffset?)null : AnyMoment(random);
                    var until = random.Next(4) == 0 ? (DateTimeOffset?)null : AnyMoment(random);
                    if (since > until)
                    {
                        (since, until) = (until, since);
                    }

                    foreach (var mode in (PaymentLinkMode[])[PaymentLinkMode.Live, PaymentLinkMode.Test])
                    {
                        foreach (var model in Enum.GetValues<AttributionModel>())
                        {
                            var expected = WithoutEmptyRows(await ledger.ScanReportAsync(since, until, mode, model));
                            var actual = await ledger.ReportAsync(since, until, mode, model);
                            actual.ShouldBe(expected, $"seed {seed}, {since:O} to {until:O}, {mode}, {model}");
                        }
                    }
                }

                // Folded or not, the same answer.
                await ledger.FoldReportAsync(int.MaxValue, CancellationToken.None);
                await EveryModelGivesTheScansReportAsync(ledger, null, null, $"seed {seed}, folded");
            },
            iter: 20,
            threads: 1);
    }

    // A write marks what it changed in its own transaction; a fold works the marks out later, reading the ledger as it
    // is then. A refund recorded while a fold is working its session out (the fold has read the session's pieces, the
    // refund not yet among them, and is held there until the refund is recorded, or two seconds): the refund's own mark
    // is worked out after, so the report counts it under the session's campaign. On PostgreSQL the refund's writer does
    // not wait for the fold (it takes no lock of the aggregates); SQLite has one writer at a time.
    [Test]
    public async Task A_refund_recorded_while_a_fold_works_its_session_out_counts_under_the_sessions_campaign()
    {
        var ledger = Instance().Ledger;
        var sessionAt = AggregatesStart.AddDays(3);
        await ledger.RecordAsync(Session("cs_test_race", sessionAt, paymentIntent: "pi_race", amount: 10_000, utm: AggregateCampaigns[0]));
        var refundFinishedWhileHeld = await WhileAFoldIsHeldAsync(
            ledger,
            () => ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_race", "pi_race", 10_000, 4_000), sessionAt.AddMinutes(5))));

        var report = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (report.UtmCampaign, report.Gross, report.Refunded).ShouldBe(("spring", 10_000L, 4_000L));
        (await ledger.TestReportAsync()).ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test)));
        refundFinishedWhileHeld.ShouldBe(WritersRunBesideAFold, "a writer waits for a fold only where the engine has one writer at a time");
    }

    // A click written (by the queued click writer) while a fold is working out the session that names it: the fold read
    // the session's touches before the click was there, and the click's mark works the session out again after.
    [Test]
    public async Task A_click_written_while_a_fold_works_its_session_out_is_one_of_the_sessions_touches_in_every_model()
    {
        var ledger = Instance().Ledger;
        var (visitor, own) = (ClickId(new Random(31)), ClickId(new Random(32)));
        var at = AggregatesStart.AddHours(7);
        await ledger.RecordAsync(Session("cs_agg_click_race", at, paymentIntent: "pi_agg_click_race", amount: 7_000, utm: LinkCodes,
            clientReference: ClientReferenceCodec.AppendClickId(null, own)));
        var clickFinishedWhileHeld = await WhileAFoldIsHeldAsync(
            ledger, () => ledger.RecordClicksAsync([Click(own, visitor, at.AddMinutes(-5), SearchAd)]));

        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model)).ShouldBe(
                WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test, model)), $"{model}");
            (Gross(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model), SearchAd)).ShouldBe(7_000, $"{model}");
        }

        clickFinishedWhileHeld.ShouldBe(WritersRunBesideAFold, "a writer waits for a fold only where the engine has one writer at a time");
    }

    // A write leaves a mark, in its own transaction; the host's report worker works it out soon after, without any
    // report asking: the marks are gone and the piece's rows kept.
    [Test]
    public async Task The_hosted_report_worker_works_a_writes_mark_out_without_a_report()
    {
        using var host = TrackingHost.Build(services => AddLedger(services, _ => { }));
        await host.StartAsync();
        var ledger = host.Services.GetRequiredService<IPaymentLinkLedger>();
        await ledger.RecordAsync(Session("cs_test_worked_out", AggregatesStart.AddDays(2), paymentIntent: "pi_worked_out", amount: 5_000, utm: AggregateCampaigns[1]));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks") > 0 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks")).ShouldBe(0, "the worker took the mark");
        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_piece_rows WHERE piece = 's:cs_test_worked_out'")).ShouldBeGreaterThan(0);
        await host.StopAsync();
        var report = (await Instance().Ledger.TestReportAsync()).ShouldHaveSingleItem();
        (report.UtmCampaign, report.Gross).ShouldBe(("summer", 5_000L));
    }

    // Marks left by an instance that stopped before its report worker took them: the retention worker's hourly care of
    // the report works them out.
    [Test]
    public async Task The_hourly_care_of_the_report_works_out_marks_left_behind()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_left_behind", AggregatesStart.AddDays(8), paymentIntent: "pi_left_behind", amount: 2_500, utm: AggregateCampaigns[0]));
        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks")).ShouldBe(1);

        await Instance().Ledger.MaintainReportAsync(CancellationToken.None);

        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks")).ShouldBe(0);
        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_piece_rows WHERE piece = 's:cs_test_left_behind'")).ShouldBeGreaterThan(0);
    }

    // A write's mark is committed or rolled back with the write: a redelivered event, rolled back as a duplicate, leaves
    // none; a stored one leaves one.
    [Test]
    public async Task A_mark_is_stored_with_its_write_and_rolled_back_with_it()
    {
        var ledger = Instance().Ledger;
        var completed = Session("cs_test_marked_once", AggregatesStart.AddDays(4), paymentIntent: "pi_marked_once", amount: 3_000, utm: AggregateCampaigns[0]);

        (await ledger.RecordAsync(completed)).ShouldBe(LedgerRecordOutcome.Stored);
        (await ledger.RecordAsync(completed)).ShouldBe(LedgerRecordOutcome.Duplicate);

        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks WHERE piece = 's:cs_test_marked_once'")).ShouldBe(1);
    }

    // Folds of several instances at once (each instance's report worker, and reports) over the marks of a random
    // history: each piece is worked out under its lock, so none is counted twice or missed, and the report is the scan's.
    [Test]
    public async Task Folds_of_several_instances_at_once_give_the_scans_report()
    {
        var ledger = Instance().Ledger;
        foreach (var seed in new[] { 5, 6, 8 })
        {
            foreach (var action in AggregateHistory($"folds{seed}", new Random(seed)))
            {
                await action(ledger);
            }
        }

        var marks = await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks");
        marks.ShouldBeGreaterThan(50);
        var (second, third) = (Instance().Ledger, Instance().Ledger);
        await Task.WhenAll(
            Task.Run(() => ledger.WorkOutReportMarksAsync(CancellationToken.None)),
            Task.Run(() => second.WorkOutReportMarksAsync(CancellationToken.None)),
            Task.Run(() => third.ReportAsync(null, null, PaymentLinkMode.Live, AttributionModel.Linear)));

        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks")).ShouldBe(0);
        await EveryModelGivesTheScansReportAsync(ledger, null, null, "folded by several instances at once");
    }

    // Two folds of one piece at once: the first has read the session's piece and is held (two seconds at most) while a
    // thank-you visit marks the session again and a second instance's fold takes that mark. The second waits for the
    // first's lock of the piece, then reads the rows the first kept: the session is counted once, under the visit's
    // campaign. (SQLite has one writer at a time: the second fold waits for the first's transaction.)
    [Test]
    public async Task Two_folds_of_one_piece_at_once_take_turns_and_count_it_once()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_two_folds", AggregatesStart.AddDays(5), paymentIntent: "pi_two_folds", amount: 8_000, utm: AggregateCampaigns[0]));
        var second = Instance().Ledger;
        await WhileAFoldIsHeldAsync(ledger, async () =>
        {
            await ledger.RecordVisitAsync("cs_test_two_folds", AggregateCampaigns[1]);
            await second.WorkOutReportMarksAsync(CancellationToken.None);
        });

        var report = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (report.UtmCampaign, report.Sessions, report.Gross).ShouldBe(("summer", 1L, 8_000L));
        (await ledger.TestReportAsync()).ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test)));
    }

    // A report while another instance's fold holds the marks of a session it has not committed yet: the report waits for
    // that fold (it works out every mark committed before it began, and those a fold holds are not done until it commits),
    // so the session is counted. A report that skipped the held marks would read the aggregates without the session.
    [Test]
    public async Task A_report_waits_for_a_fold_that_holds_marks_committed_before_it()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_held_fold", AggregatesStart.AddDays(6), paymentIntent: "pi_held_fold", amount: 6_000, utm: AggregateCampaigns[1]));
        IReadOnlyList<CampaignReportRow> report = [];
        var reader = Instance().Ledger;
        var finishedWhileHeld = await WhileAFoldIsHeldAsync(ledger, async () => report = await reader.TestReportAsync());

        finishedWhileHeld.ShouldBeFalse("the report waits for the fold");
        var row = report.ShouldHaveSingleItem();
        (row.UtmCampaign, row.Gross).ShouldBe(("summer", 6_000L));
    }

    // A fold cut off (the host stopping, the connection lost) rolls back with its marks: they stay for the next fold, and
    // the next report counts the session.
    [Test]
    public async Task A_fold_cut_off_leaves_its_marks_for_the_next()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_cut_off", AggregatesStart.AddDays(7), paymentIntent: "pi_cut_off", amount: 4_000, utm: AggregateCampaigns[0]));
        using var stopping = new CancellationTokenSource();
        ledger.AfterReportPiecesRead = async cancellationToken =>
        {
            await stopping.CancelAsync();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        };
        try
        {
            await Should.ThrowAsync<OperationCanceledException>(() => ledger.WorkOutReportMarksAsync(stopping.Token));
        }
        finally
        {
            ledger.AfterReportPiecesRead = null;
        }

        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_marks WHERE piece = 's:cs_test_cut_off'")).ShouldBe(1);
        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_piece_rows WHERE piece = 's:cs_test_cut_off'")).ShouldBe(0);
        var row = (await Instance().Ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.UtmCampaign, row.Gross).ShouldBe(("spring", 4_000L));
    }

    /// <summary>Whether a writer goes on while a fold's transaction is open (PostgreSQL), rather than waiting its turn (SQLite).</summary>
    private bool WritersRunBesideAFold => Instance().Ledger.ConcurrentWriters;

    /// <summary>
    /// Works the marks out with the fold held after it read its first batch of pieces, while <paramref name="write"/> runs
    /// beside it (until it is done, or two seconds); whether the write finished while the fold was held.
    /// </summary>
    private static async Task<bool> WhileAFoldIsHeldAsync(DbPaymentLinkLedger ledger, Func<Task> write)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finishedWhileHeld = false;
        ledger.AfterReportPiecesRead = async cancellationToken =>
        {
            if (held.TrySetResult())
            {
                await Task.WhenAny(written.Task, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
                finishedWhileHeld = written.Task.IsCompleted;
            }
        };
        try
        {
            var fold = Task.Run(() => ledger.WorkOutReportMarksAsync(CancellationToken.None));
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var writing = Task.Run(async () =>
            {
                await write();
                written.TrySetResult();
            });
            await Task.WhenAll(fold, writing).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            ledger.AfterReportPiecesRead = null;
        }

        return finishedWhileHeld;
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
        await ScalarAsync("DELETE FROM payment_link_report_marks");
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
        await EveryModelGivesTheScansReportAsync(ledger, null, null, "rebuilt");
        var since = AggregatesStart.AddHours(30).AddMinutes(17);
        await EveryModelGivesTheScansReportAsync(ledger, since, since.AddDays(1), "rebuilt, a day");
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
        await ScalarAsync("DELETE FROM payment_link_report_marks");
        await ScalarAsync("DELETE FROM payment_link_report_piece_rows");
        await ScalarAsync("DELETE FROM payment_link_report_deltas");
        await ScalarAsync("DELETE FROM payment_link_report_aggregates");
        await ScalarAsync("UPDATE payment_link_report_state SET built = 0");
        var upgraded = Instance().Ledger;
        foreach (var mode in (PaymentLinkMode[])[PaymentLinkMode.Live, PaymentLinkMode.Test])
        {
            (await upgraded.ReportAsync(null, null, mode, AttributionModel.Linear))
                .ShouldBe(WithoutEmptyRows(await upgraded.ScanReportAsync(null, null, mode, AttributionModel.Linear)));
        }

        (await upgraded.ScanReportAsync(null, null, PaymentLinkMode.Live)).Concat(await upgraded.ScanReportAsync(null, null, PaymentLinkMode.Test)).ShouldNotBeEmpty();

        await upgraded.MaintainReportAsync(CancellationToken.None);
        (await ScalarAsync("SELECT built FROM payment_link_report_state")).ShouldNotBe(0L);
        (await ScalarAsync("SELECT COUNT(*) FROM payment_link_report_aggregates") is 0 or 0L).ShouldBeFalse();
        await EveryModelGivesTheScansReportAsync(upgraded, null, null, "upgraded");
    }

    // Every model is read from the aggregates, over clicks or not: a session without a known click has one set of rows
    // that every model reads, a clicked one a set per model.
    [Test]
    public async Task Every_model_reads_the_aggregates_with_or_without_clicks()
    {
        var (clicks, ledger, clock) = ModelInstance(ClickedLink);
        var early = ModelDay.AddDays(-10);
        await ledger.RecordAsync(ModelSession("cs_test_route_early", early, null, utm: LinkCodes));
        clock.Now = ModelDay;
        var reference = await ClickAsync(clicks, new PaymentLinkClick { LinkName = "pro", Utm = SearchAd });
        await ledger.RecordAsync(ModelSession("cs_test_route_click", ModelDay.AddMinutes(3), reference, utm: LinkCodes));
        var (since, until) = (early.AddDays(-1), ModelDay.AddDays(-1));
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            var beforeTheClick = await ledger.ReportAsync(since, until, PaymentLinkMode.Test, model);
            var allTime = await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model);
            beforeTheClick.ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(since, until, PaymentLinkMode.Test, model)), $"{model}");
            allTime.ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test, model)), $"{model}");
            Gross(beforeTheClick, LinkCodes).ShouldBe(10_000);
            (Gross(allTime, SearchAd), Gross(allTime, LinkCodes)).ShouldBe((10_000, 10_000));
        }

        (await ScalarAsync("SELECT COUNT(DISTINCT model) FROM payment_link_report_piece_rows")).ShouldBe(7L);

        // The aggregates emptied behind the ledger's back: every model finds nothing for whole hours, clicks or not, while
        // the ledger's rows still hold the money.
        await ScalarAsync("DELETE FROM payment_link_report_deltas");
        await ScalarAsync("DELETE FROM payment_link_report_aggregates");
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(since, until, PaymentLinkMode.Test, model)).ShouldBeEmpty();
            (await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model)).ShouldBeEmpty();
            (await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test, model)).ShouldNotBeEmpty();
        }
    }

    // Version 16 kept every row under 'last_click' (a session's visit, key or link, its clicks not known): version 17 marks
    // such aggregates to be rebuilt, and the rebuild replaces them with rows by model.
    [Test]
    public async Task Aggregates_of_version_16_are_read_from_the_ledger_until_rebuilt_by_model()
    {
        var ledger = Instance().Ledger;
        foreach (var action in AggregateHistory("v16", new Random(11)))
        {
            await action(ledger);
        }

        await ledger.WorkOutReportMarksAsync(CancellationToken.None);
        await ScalarAsync("UPDATE payment_link_report_piece_rows SET model = 'last_click'");
        await ScalarAsync("DELETE FROM payment_link_report_deltas");
        await ScalarAsync("DELETE FROM payment_link_report_aggregates");
        await ScalarAsync("DELETE FROM payment_link_schema_versions WHERE version = 17");
        var upgraded = Instance().Ledger;
        (await upgraded.ReportAsync(null, null, PaymentLinkMode.Live, AttributionModel.FirstClick))
            .ShouldBe(WithoutEmptyRows(await upgraded.ScanReportAsync(null, null, PaymentLinkMode.Live, AttributionModel.FirstClick)));
        (await ScalarAsync("SELECT built FROM payment_link_report_state")).ShouldBe(0L);
        (await LongAsync("SELECT COUNT(*) FROM payment_link_schema_versions WHERE version = 17")).ShouldBe(1);

        await upgraded.MaintainReportAsync(CancellationToken.None);
        (await LongAsync("SELECT COUNT(*) FROM payment_link_report_piece_rows WHERE model = 'last_click'")).ShouldBe(0);
        await EveryModelGivesTheScansReportAsync(upgraded, null, null, "rebuilt by model");
    }

    // A click written after its session's events (the redirect's writer is behind, or the visitor's earlier click arrives
    // later): its visitor's sessions are worked out again in the click's transaction.
    [Test]
    public async Task A_click_written_after_its_session_moves_the_sessions_money_to_its_campaign_in_every_model()
    {
        var ledger = Instance().Ledger;
        var (visitor, own, earlier) = (ClickId(new Random(1)), ClickId(new Random(2)), ClickId(new Random(3)));
        var at = AggregatesStart.AddHours(5);
        await ledger.RecordAsync(Session("cs_agg_late_click", at, paymentIntent: "pi_agg_late_click", amount: 9_000, utm: LinkCodes,
            clientReference: ClientReferenceCodec.AppendClickId(null, own)));
        (Gross(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, AttributionModel.FirstClick), LinkCodes)).ShouldBe(9_000);

        await ledger.RecordClicksAsync([Click(own, visitor, at.AddMinutes(-5), SearchAd)]);
        await ledger.RecordClicksAsync([Click(earlier, visitor, at.AddDays(-3), Newsletter)]);
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model)).ShouldBe(
                WithoutEmptyRows(await ledger.ScanReportAsync(null, null, PaymentLinkMode.Test, model)), $"{model}");
        }

        (Gross(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, AttributionModel.FirstClick), Newsletter)).ShouldBe(9_000);
        (Gross(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, AttributionModel.LastClick), SearchAd)).ShouldBe(9_000);
        (Gross(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, AttributionModel.Linear), SearchAd)).ShouldBe(4_500);

        // Erased: the visitor's clicks go, and the session's money returns to the campaign its link names, in every model.
        await ledger.EraseSessionAsync("cs_agg_late_click");
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (Gross(await ledger.ReportAsync(null, null, PaymentLinkMode.Test, model), LinkCodes)).ShouldBe(9_000, $"{model}");
        }
    }

    // A day in a zone with a half-hour offset (Asia/Kolkata, UTC+5:30) starts and ends on half hours: the part hours at
    // its edges are read from the ledger's rows, split by the model asked for as the aggregates are.
    [Test]
    public async Task A_day_in_a_half_hour_zone_splits_its_edges_by_the_model_asked_for()
    {
        var ledger = Instance().Ledger;
        var visitor = ClickId(new Random(21));
        var (first, second) = (ClickId(new Random(22)), ClickId(new Random(23)));
        var dayStart = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.FromHours(5.5));
        await ledger.RecordClicksAsync([Click(first, visitor, dayStart.AddDays(-2), Newsletter), Click(second, visitor, dayStart.AddMinutes(5), SearchAd)]);
        await ledger.RecordAsync(Session("cs_agg_edge_in", dayStart.AddMinutes(10), paymentIntent: "pi_agg_edge_in", amount: 5_001, utm: LinkCodes,
            clientReference: ClientReferenceCodec.AppendClickId(null, second)));
        await ledger.RecordAsync(Session("cs_agg_edge_before", dayStart.AddMinutes(-10), paymentIntent: "pi_agg_edge_before", amount: 7_000, utm: LinkCodes,
            clientReference: ClientReferenceCodec.AppendClickId(null, first)));
        await ledger.RecordAsync(Session("cs_agg_edge_end", dayStart.AddDays(1).AddMinutes(-10), paymentIntent: "pi_agg_edge_end", amount: 3_000, utm: LinkCodes,
            clientReference: ClientReferenceCodec.AppendClickId(null, second)));
        await ledger.FoldReportAsync(int.MaxValue, CancellationToken.None);

        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(dayStart, dayStart.AddDays(1), PaymentLinkMode.Test, model))
                .ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(dayStart, dayStart.AddDays(1), PaymentLinkMode.Test, model)), $"{model}");
        }

        var linear = await ledger.ReportAsync(dayStart, dayStart.AddDays(1), PaymentLinkMode.Test, AttributionModel.Linear);
        (Gross(linear, Newsletter), Gross(linear, SearchAd)).ShouldBe((2_500 + 1_500, 2_501 + 1_500));
    }

    private static async Task EveryModelGivesTheScansReportAsync(DbPaymentLinkLedger ledger, DateTimeOffset? since, DateTimeOffset? until, string context)
    {
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            (await ledger.ReportAsync(since, until, PaymentLinkMode.Live, model))
                .ShouldBe(WithoutEmptyRows(await ledger.ScanReportAsync(since, until, PaymentLinkMode.Live, model)), $"{context}, {model}");
        }
    }

    private static string ClickId(Random random) =>
        string.Concat(Enumerable.Range(0, ClientReferenceCodec.ClickIdLength).Select(_ => CampaignKey.Alphabet[random.Next(CampaignKey.Alphabet.Length)]));

    private static PaymentLinkClick Click(string clickId, string visitorId, DateTimeOffset at, UtmCodes utm, string? gclid = null) =>
        new() { ClickId = clickId, VisitorId = visitorId, LinkName = "pro", ClickedAt = at, Utm = utm, Gclid = gclid };

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

        // A few visitors, each with a few clicks (some older than the 30 days' window, some with an ad click id, some
        // without codes); a session names one of them, or a click the ledger never hears of, or none.
        var clicks = new List<PaymentLinkClick>();
        var unwritten = new List<string>();
        for (var v = random.Next(0, 4); v > 0; v--)
        {
            var visitor = ClickId(random);
            for (var c = random.Next(1, 5); c > 0; c--)
            {
                var at = random.Next(5) == 0 ? At().AddDays(-random.Next(25, 40)) : At().AddHours(-random.Next(0, 48));
                clicks.Add(Click(ClickId(random), visitor, at, random.Next(4) == 0 ? UtmCodes.None : AggregateCampaigns[random.Next(AggregateCampaigns.Length)],
                    random.Next(4) == 0 ? "gclid" : null));
            }
        }

        if (random.Next(4) == 0)
        {
            unwritten.Add(ClickId(random));
        }

        string? Reference()
        {
            var named = clicks.Select(click => click.ClickId!).Concat(unwritten).ToList();
            return named.Count == 0 || random.Next(3) == 0 ? null : ClientReferenceCodec.AppendClickId(null, named[random.Next(named.Count)]);
        }

        var erased = new List<string>();
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
            var reference = Reference();
            events.Add(Session(
                sessionId, created, paymentIntent: paymentIntent, subscription: subscription, amount: amount, tax: random.Next(0, 3) * 10,
                utm: utm, livemode: livemode, paymentLink: random.Next(5) == 0 ? null : SignedWebhooks.PaymentLinkId,
                currency: random.Next(5) == 0 ? "eur" : "usd", clientReference: reference));
            if (delayed)
            {
                events.Add(Session(sessionId, created.AddHours(random.Next(1, 30)), type: "checkout.session.async_payment_succeeded",
                    paymentIntent: paymentIntent, subscription: subscription, amount: amount, utm: utm, livemode: livemode, clientReference: reference));
            }

            if (reference is not null && random.Next(3) == 0)
            {
                erased.Add(sessionId);
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

        // The clicks in batches, as the redirect's writer writes them: before or after their sessions' events.
        for (var first = 0; first < clicks.Count;)
        {
            var batch = clicks.Skip(first).Take(random.Next(1, 4)).ToList();
            first += batch.Count;
            actions.Add(ledger => ledger.RecordClicksAsync(batch));
        }

        foreach (var sessionId in erased)
        {
            actions.Add(ledger => ledger.EraseSessionAsync(sessionId));
        }

        if (clicks.Count > 0 && random.Next(2) == 0)
        {
            var cutoff = clicks[random.Next(clicks.Count)].ClickedAt;
            actions.Add(ledger => ledger.EraseClickedBeforeAsync(cutoff, CancellationToken.None));
        }

        for (var i = actions.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (actions[i], actions[j]) = (actions[j], actions[i]);
        }

        return actions;
    }
}
