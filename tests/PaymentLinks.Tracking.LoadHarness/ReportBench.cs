using System.Data.Common;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using PaymentLinks.Tracking.Tests.Ledger;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>
/// The campaign report measured side by side with the floor, in one run: <see cref="IPaymentLinkAttribution.ReportAsync(DateTimeOffset?, DateTimeOffset?, PaymentLinkMode, AttributionModel, CancellationToken)"/>
/// against the hand-written <c>GROUP BY</c> a user would write on the same tables with the same driver, checked to
/// return the same rows, at 100,000 sessions and at the size asked for. The ledger is filled by bulk SQL in the shape
/// the library writes its rows: sessions, their campaign rows, some visits, a few dozen registered keys, four currencies;
/// one session in ten refunded (in part or in full), one in five a subscription renewed three times. Then recording a
/// session event, a refund and a renewal through <see cref="IPaymentLinkLedger.RecordAsync"/>, side by side.
/// </summary>
/// <remarks>
/// With a kept ledger (<c>--keep</c>) the sessions already there are not filled again, and the recorded events carry the
/// run's own ids so that they are new to the ledger.
/// </remarks>
internal sealed class ReportBench(Engine engine, int sessions, int rounds, string? connectionString, string? keep, TextWriter output)
{
    /// <summary>
    /// On PostgreSQL, the server's <c>fsync</c> for the run: the tests' throwaway server starts with it off (cheap commits);
    /// on, as a production server runs, each commit waits for the disk. The throwaway server is restarted with it.
    /// </summary>
    public bool? Fsync { get; init; }

    private const int Keys = 40;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<int> RunAsync()
    {
        output.WriteLine(
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
            $"{engine}, report over up to {sessions:N0} sessions, {rounds} rounds a side");
        if (engine == Engine.PostgreSql && Fsync is { } fsync && connectionString is null && PostgreSqlServer.Require() is { IsThrowaway: true } server)
        {
            server.RestartWithFsync(fsync);
        }

        using var database = keep is null ? LedgerDatabase.Create(engine, connectionString, "report_bench") : LedgerDatabase.Keep(engine, connectionString, keep);
        var services = new ServiceCollection().AddLogging();
        database.AddLedger(services, runFulfillment: false);
        await using var provider = services.BuildServiceProvider();
        var attribution = provider.GetRequiredService<IPaymentLinkAttribution>();
        await provider.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync("cs_test_none");
        if (engine == Engine.PostgreSql)
        {
            output.WriteLine($"PostgreSQL fsync: {database.Query("SHOW fsync")[0][0]}, synchronous_commit: {database.Query("SHOW synchronous_commit")[0][0]}");
        }

        await FillKeysAsync(database);

        var filled = Convert.ToInt32(database.Query($"SELECT COUNT(*) FROM {database.SessionsTable} WHERE session_id LIKE 'cs_test_report%'")[0][0], System.Globalization.CultureInfo.InvariantCulture);
        var failed = false;
        foreach (var size in new[] { Math.Min(100_000, sessions), sessions }.Distinct())
        {
            if (filled > size)
            {
                output.WriteLine($"the kept ledger holds {filled:N0} sessions: {size:N0} not measured");
                continue;
            }

            var ledger = (DbPaymentLinkLedger)provider.GetRequiredService<IPaymentLinkLedger>();
            if (filled < size)
            {
                var clock = Stopwatch.StartNew();
                await FillAsync(database, filled + 1, size);
                filled = size;
                output.WriteLine($"filled {size:N0} sessions in {clock.Elapsed.TotalSeconds:F1} s");

                // Filled behind the write path's back: the aggregates are worked out again, as after any bulk load.
                clock.Restart();
                var pieces = await ledger.RebuildReportAsync(null, 1_000, null, CancellationToken.None);
                output.WriteLine(
                    $"rebuilt the report's aggregates from {pieces:N0} sessions, renewals, charges and disputes in {clock.Elapsed.TotalSeconds:F1} s " +
                    $"({pieces / clock.Elapsed.TotalSeconds:N0} pieces a second)");
            }

            failed |= !await MeasureAggregatesAsync(ledger, size);
            failed |= !await MeasureAsync(database, attribution, size);
        }

        await MeasureRecordingAsync((DbPaymentLinkLedger)provider.GetRequiredService<IPaymentLinkLedger>());
        return failed ? 1 : 0;
    }

    /// <summary>
    /// The cost of recording one event of each kind through the one write path, alternating kinds so that the machine's
    /// load falls on all alike: a paid checkout.session.completed, a charge.refunded of that session's payment, and an
    /// invoice.paid renewal of a subscription a session started.
    /// </summary>
    private async Task MeasureRecordingAsync(DbPaymentLinkLedger ledger)
    {
        const int Events = 1_000;
        var run = DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var times = new Dictionary<string, List<double>>
        {
            ["session"] = [], ["refund"] = [], ["renewal"] = [], ["session without"] = [], ["refund without"] = [], ["renewal without"] = [],
        };
        var created = Start.AddDays(400);
        for (var i = 0; i < Events; i++)
        {
            var session = PaymentLinkEvent.Create($"evt_rec_s{run}_{i}", "checkout.session.completed", created, livemode: true,
                checkout: PaymentLinkCheckout.Create($"cs_rec_{run}_{i}", paymentLinkId: "plink_rec", amountTotal: 2_000, currency: "usd",
                    paymentStatus: CheckoutPaymentStatus.Paid, status: "complete", mode: "payment", paymentIntentId: $"pi_rec_{run}_{i}",
                    metadata: [new("utm_campaign", "recording")]));
            var refund = PaymentLinkEvent.Create($"evt_rec_r{run}_{i}", "charge.refunded", created.AddMinutes(1), livemode: true,
                charge: new PaymentLinkCharge { ChargeId = $"ch_rec_{run}_{i}", PaymentIntentId = $"pi_rec_{run}_{i}", Amount = 2_000, AmountRefunded = 500, Currency = "usd" });
            var renewal = PaymentLinkEvent.Create($"evt_rec_i{run}_{i}", "invoice.paid", created.AddDays(30), livemode: true,
                invoice: new PaymentLinkInvoice
                {
                    InvoiceId = $"in_rec_{run}_{i}", SubscriptionId = $"sub_report{i}", BillingReason = "subscription_cycle", AmountPaid = 2_000,
                    Tax = 100, Currency = "usd", PaymentIntentIds = [$"pi_rec_in_{run}_{i}"],
                });
            // Every other event of a kind without the report's aggregates, as before they were kept: side by side.
            var without = i % 2 == 1;
            foreach (var (kind, paymentLinkEvent) in (i % 3) switch
            {
                0 => new[] { ("session", session), ("refund", refund), ("renewal", renewal) },
                1 => [("refund", refund), ("renewal", renewal), ("session", session)],
                _ => [("renewal", renewal), ("session", session), ("refund", refund)],
            })
            {
                ledger.KeepsReportAggregates = !without;
                var clock = Stopwatch.StartNew();
                await ledger.RecordAsync(paymentLinkEvent);
                times[without ? kind + " without" : kind].Add(clock.Elapsed.TotalMicroseconds);
            }
        }

        // The marks the writes with the aggregates left, worked out as the report worker does (no worker runs here).
        var fold = Stopwatch.StartNew();
        var marks = await ledger.WorkOutReportMarksAsync(CancellationToken.None);
        output.WriteLine(
            $"working out the writes' marks afterwards (the report worker's work, apart from the writes): {marks:N0} marks in " +
            $"{fold.Elapsed.TotalMilliseconds:F0} ms, {fold.Elapsed.TotalMicroseconds / Math.Max(marks, 1):F0} us a mark");

        // Half the events were recorded without the aggregates: a kept ledger is rebuilt over them, so that a later run reads it right.
        ledger.KeepsReportAggregates = true;
        await ledger.RebuildReportAsync(created.AddDays(-1), 1_000, null, CancellationToken.None);
        var sessionTime = Median(times["session"]);
        output.WriteLine(
            $"recording ({engine}, {Events / 2:N0} events of each kind a side, median): session event {sessionTime:F0} us, " +
            $"refund {Median(times["refund"]):F0} us ({Median(times["refund"]) / sessionTime:F2}x), " +
            $"renewal {Median(times["renewal"]):F0} us ({Median(times["renewal"]) / sessionTime:F2}x); goal at most 1x");
        var worst = 0.0;
        foreach (var kind in new[] { "session", "refund", "renewal" })
        {
            var ratio = Median(times[kind]) / Median(times[kind + " without"]);
            worst = Math.Max(worst, ratio);
            output.WriteLine($"recording a {kind} event with the report's aggregates kept: {Median(times[kind]):F0} us, without: {Median(times[kind + " without"]):F0} us; {ratio:F2}x");
        }

        output.WriteLine($"writes with the aggregates kept: at most {worst:F2}x the writes without; goal within 1.3x: {(worst <= 1.3 ? "met" : "NOT met")}");
    }

    /// <summary>
    /// The report from the aggregates against the scan of the ledger's rows it replaced, side by side, for all time and
    /// for the last 30 days (to a moment that is not a whole hour, so that the edges are read from the rows); both must
    /// give the same rows.
    /// </summary>
    private async Task<bool> MeasureAggregatesAsync(DbPaymentLinkLedger ledger, int size)
    {
        var now = Start.AddSeconds(size).AddHours(2).AddMinutes(17).AddSeconds(23);
        var same = true;
        var met = true;
        foreach (var (name, since, until) in new[] { ("all time", (DateTimeOffset?)null, (DateTimeOffset?)null), ("last 30 days", now.AddDays(-30), now) })
        {
            var (aggregateTimes, scanTimes) = (new List<double>(), new List<double>());
            IReadOnlyList<CampaignReportRow> fromAggregates = [], fromScan = [];
            for (var round = 0; round < rounds; round++)
            {
                foreach (var aggregatesFirst in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var clock = Stopwatch.StartNew();
                    if (aggregatesFirst)
                    {
                        fromAggregates = await ledger.ReportAsync(since, until, PaymentLinkMode.Live);
                        aggregateTimes.Add(clock.Elapsed.TotalMilliseconds);
                    }
                    else
                    {
                        fromScan = await ledger.ScanReportAsync(since, until, PaymentLinkMode.Live);
                        scanTimes.Add(clock.Elapsed.TotalMilliseconds);
                    }
                }
            }

            // A row whose every number is zero says nothing; the aggregates leave it out.
            var equal = fromAggregates.SequenceEqual(fromScan.Where(row => row.Sessions != 0 || row.Paid != 0 || row.Gross != 0 || row.Refunded != 0
                || row.Disputed != 0 || row.Renewals != 0 || row.Tax != 0 || row.Visits != 0));
            var (aggregateTime, scanTime) = (Median(aggregateTimes), Median(scanTimes));
            var speedUp = scanTime / aggregateTime;
            same &= equal;
            met &= speedUp >= 50;
            output.WriteLine(
                $"report from the aggregates at {size:N0} sessions ({engine}, {name}, median of {rounds}): {aggregateTime:F1} ms, the scan {scanTime:F0} ms; " +
                $"{speedUp:F0}x faster; goal at least 50x: {(speedUp >= 50 ? "met" : "NOT met")}; {fromAggregates.Count} rows, same as the scan: {(equal ? "yes" : "NO")}");
        }

        return same;
    }

    private async Task<bool> MeasureAsync(LedgerDatabase database, IPaymentLinkAttribution attribution, int size)
    {
        var since = Start.AddDays(-1);
        var until = Start.AddSeconds(size + 86_400);
        var ledgerTimes = new List<double>();
        var floorTimes = new List<double>();
        var ledgerAllocated = new List<long>();
        IReadOnlyList<CampaignReportRow> ledgerRows = [];
        List<CampaignReportRow> floorRows = [];
        await using var connection = database.Open();
        if (database.Schema is not null)
        {
            // The library's report runs without JIT compilation on PostgreSQL; the floor too, so that both sides do the same work.
            await using var noJit = connection.CreateCommand();
            noJit.CommandText = "SET jit = off";
            await noJit.ExecuteNonQueryAsync();
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var ledgerFirst in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                if (ledgerFirst)
                {
                    ledgerRows = await attribution.ReportAsync(since, until);
                    ledgerTimes.Add(clock.Elapsed.TotalMilliseconds);
                    ledgerAllocated.Add(GC.GetTotalAllocatedBytes(precise: true) - allocated);
                }
                else
                {
                    floorRows = await FloorAsync(connection, database, since, until);
                    floorTimes.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
        }

        var same = Canonical(ledgerRows).SequenceEqual(Canonical(floorRows));

        // The floor nets only refunds off gross (gross - refunded), the ledger's revenue also its tax: compared without it too.
        var sameButRevenue = Canonical(ledgerRows.Select(row => row with { Revenue = 0 })).SequenceEqual(Canonical(floorRows.Select(row => row with { Revenue = 0 })));
        var counted = ledgerRows.Sum(r => r.Sessions);
        using var process = Process.GetCurrentProcess();
        var ledgerTime = Median(ledgerTimes);
        var floorTime = Median(floorTimes);
        var ratio = ledgerTime / floorTime;
        output.WriteLine(
            $"report at {size:N0} sessions ({engine}): ReportAsync {ledgerTime:F0} ms, hand-written GROUP BY (floor) {floorTime:F0} ms; " +
            $"{ratio:F2}x the floor's time; goal within 2x: {(ratio <= 2 ? "met" : "NOT met")}; " +
            $"{ledgerRows.Count} rows, {counted:N0} sessions counted, rows equal: {(same ? "yes" : "NO")}, equal but for the revenue column: {(sameButRevenue ? "yes" : "NO")}");
        output.WriteLine(
            $"memory at {size:N0} sessions: ReportAsync allocated {Median(ledgerAllocated) / 1024.0:F0} KiB a call; " +
            $"GC heap {GC.GetTotalMemory(forceFullCollection: false) / 1048576.0:F1} MiB; peak working set {process.PeakWorkingSet64 / 1048576.0:F1} MiB");
        return same && counted == size && ratio <= 2;
    }

    /// <summary>
    /// The report as a user would write it by hand on the same tables: the sessions, their renewals and their charges'
    /// refunds in one UNION ALL, joined once to the campaign's sources and grouped; the rows read with the same driver.
    /// </summary>
    private static async Task<List<CampaignReportRow>> FloorAsync(DbConnection connection, LedgerDatabase database, DateTimeOffset since, DateTimeOffset until)
    {
        const string Paid = "s.payment_status IN ('paid', 'no_payment_required')";
        const string LinkCodes =
            "(c.link_utm_source IS NOT NULL OR c.link_utm_medium IS NOT NULL OR c.link_utm_campaign IS NOT NULL " +
            "OR c.link_utm_term IS NOT NULL OR c.link_utm_content IS NOT NULL)";
        static string Pick(string code) =>
            $"CASE WHEN v.session_id IS NOT NULL THEN v.{code} WHEN k.campaign_key IS NOT NULL THEN k.{code} ELSE c.link_{code} END";
        var live = database.Schema is null ? "1" : "true";
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 600;
        command.CommandText =
            $"SELECT {Pick("utm_source")}, {Pick("utm_medium")}, {Pick("utm_campaign")}, m.currency, SUM(m.first), " +
            "SUM(m.paid), SUM(m.gross) - SUM(m.refunded), " +
            "SUM(CASE WHEN m.first = 1 AND v.session_id IS NOT NULL THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN m.first = 1 AND v.session_id IS NOT NULL THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN m.first = 1 AND v.session_id IS NULL AND k.campaign_key IS NOT NULL THEN 1 ELSE 0 END), " +
            $"SUM(CASE WHEN m.first = 1 AND v.session_id IS NULL AND k.campaign_key IS NULL AND {LinkCodes} THEN 1 ELSE 0 END), " +
            "SUM(m.gross), SUM(m.renewals), SUM(m.renewal_revenue), SUM(m.refunded), SUM(m.tax) " +
            $"FROM (SELECT s.session_id, s.currency, 1 AS first, CASE WHEN {Paid} THEN 1 ELSE 0 END AS paid, " +
            $"CASE WHEN {Paid} THEN COALESCE(s.amount_total, 0) ELSE 0 END AS gross, 0 AS renewals, 0 AS renewal_revenue, 0 AS refunded, " +
            $"CASE WHEN {Paid} THEN COALESCE(p.amount_tax, 0) ELSE 0 END AS tax " +
            $"FROM {Table(database, "payment_link_sessions")} s LEFT JOIN {Table(database, "payment_link_session_payments")} p ON p.session_id = s.session_id " +
            $"WHERE s.livemode = {live} AND s.completed_at >= @since AND s.completed_at < @until " +
            "UNION ALL SELECT p.session_id, i.currency, 0, 0, i.amount_paid, 1, i.amount_paid, 0, i.amount_tax " +
            $"FROM {Table(database, "payment_link_invoices")} i JOIN {Table(database, "payment_link_session_payments")} p ON p.subscription_id = i.subscription_id " +
            $"WHERE i.livemode = {live} AND i.billing_reason = 'subscription_cycle' AND i.paid_at >= @since AND i.paid_at < @until " +
            "UNION ALL SELECT p.session_id, r.currency, 0, 0, 0, 0, 0, r.refunded, 0 " +
            "FROM (SELECT MAX(payment_intent) AS payment_intent, MAX(currency) AS currency, MAX(amount_refunded) AS refunded " +
            $"FROM {Table(database, "payment_link_charge_refunds")} WHERE livemode = {live} AND observed_at >= @since AND observed_at < @until GROUP BY charge_id) r " +
            $"JOIN {Table(database, "payment_link_session_payments")} p ON p.payment_intent = r.payment_intent) m " +
            $"LEFT JOIN {Table(database, "payment_link_visits")} v ON v.session_id = m.session_id " +
            $"LEFT JOIN {Table(database, "payment_link_session_campaigns")} c ON c.session_id = m.session_id " +
            $"LEFT JOIN {Table(database, "payment_link_campaign_keys")} k ON k.campaign_key = c.campaign_key " +
            "GROUP BY 1, 2, 3, 4";
        AddTime(command, database, "since", since);
        AddTime(command, database, "until", until);
        var rows = new List<CampaignReportRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new CampaignReportRow(
                Text(reader, 0), Text(reader, 1), Text(reader, 2), Text(reader, 3),
                Number(reader, 4), Number(reader, 5), Number(reader, 6), Number(reader, 7), Number(reader, 8), Number(reader, 9), Number(reader, 10),
                Gross: Number(reader, 11), Renewals: Number(reader, 12), RenewalRevenue: Number(reader, 13), Refunded: Number(reader, 14), Tax: Number(reader, 15)));
        }

        return rows;
    }

    private static void AddTime(DbCommand command, LedgerDatabase database, string name, DateTimeOffset time)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = database.Schema is null ? time.ToUnixTimeMilliseconds() : time.UtcDateTime;
        command.Parameters.Add(parameter);
    }

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long Number(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<CampaignReportRow> Canonical(IEnumerable<CampaignReportRow> rows) =>
        rows.OrderBy(r => r.UtmSource, StringComparer.Ordinal).ThenBy(r => r.UtmMedium, StringComparer.Ordinal)
            .ThenBy(r => r.UtmCampaign, StringComparer.Ordinal).ThenBy(r => r.Currency, StringComparer.Ordinal);

    /// <summary>The campaign keys links were made with: a few dozen.</summary>
    private static async Task FillKeysAsync(LedgerDatabase database)
    {
        var sqlite = database.Schema is null;
        var now = sqlite ? Start.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : "now()";
        var numbers = sqlite
            ? $"(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {Keys - 1}) SELECT i FROM n) AS n"
            : $"generate_series(0, {Keys - 1}) AS n(i)";
        await ExecuteAsync(database,
            $"INSERT INTO {Table(database, "payment_link_campaign_keys")} (campaign_key, utm_source, utm_medium, utm_campaign, utm_term, utm_content, registered_at) " +
            $"SELECT 'key' || i, 'newsletter', 'email', 'spring_' || (i % 12), NULL, 'variant_' || (i % 3), {now} FROM {numbers} WHERE i >= 0 ON CONFLICT DO NOTHING");
    }

    /// <summary>
    /// Sessions <paramref name="first"/> to <paramref name="last"/>, completed one a second: nine in ten paid, four
    /// currencies; a third with a registered key, a third with the link's UTM codes, a third with neither; one in seven
    /// with a thank-you visit.
    /// </summary>
    private static async Task FillAsync(LedgerDatabase database, int first, int last)
    {
        var sqlite = database.Schema is null;
        var startMs = Start.ToUnixTimeMilliseconds();
        string Numbers(int from, int to) => sqlite
            ? $"(WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) SELECT i FROM n) AS n"
            : $"generate_series({from}, {to}) AS n(i)";
        string At(string seconds) => sqlite ? $"({startMs} + ({seconds}) * 1000)" : $"(timestamptz '2026-01-01 00:00:00+00' + ({seconds}) * interval '1 second')";
        var livemode = sqlite ? "1" : "true";
        const int Chunk = 100_000;
        for (var from = first; from <= last; from += Chunk)
        {
            var to = Math.Min(last, from + Chunk - 1);
            var numbers = Numbers(from, to);
            await ExecuteAsync(database,
                $"INSERT INTO {Table(database, "payment_link_sessions")} (session_id, payment_link_id, client_reference_id, amount_total, currency, mode, status, " +
                "payment_status, livemode, metadata, completed_at, paid_at, first_recorded_at, updated_at) " +
                "SELECT 'cs_test_report' || i, 'plink_report' || (i % 8), CASE WHEN i % 3 = 1 THEN 'key' || (i % " + Keys + ") END, " +
                "1000 + (i % 5000), CASE i % 4 WHEN 0 THEN 'usd' WHEN 1 THEN 'eur' WHEN 2 THEN 'gbp' ELSE 'jpy' END, 'payment', 'complete', " +
                "CASE WHEN i % 10 = 0 THEN 'unpaid' ELSE 'paid' END, " + livemode + ", '{}', " +
                $"{At("i")}, CASE WHEN i % 10 = 0 THEN NULL ELSE {At("i")} END, {At("i")}, {At("i")} FROM {numbers}");
            await ExecuteAsync(database,
                $"INSERT INTO {Table(database, "payment_link_session_campaigns")} (session_id, campaign_key, link_utm_source, link_utm_medium, link_utm_campaign, link_utm_term, link_utm_content) " +
                $"SELECT 'cs_test_report' || i, CASE WHEN i % 3 = 1 THEN 'key' || (i % {Keys}) END, " +
                "CASE WHEN i % 3 = 2 THEN 'source_' || (i % 5) END, CASE WHEN i % 3 = 2 THEN 'cpc' END, " +
                "CASE WHEN i % 3 = 2 THEN 'summer_' || (i % 24) END, NULL, NULL " +
                $"FROM {numbers} WHERE i % 3 <> 0");
            await ExecuteAsync(database,
                $"INSERT INTO {Table(database, "payment_link_visits")} (session_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content, first_visited_at, last_visited_at, visit_count) " +
                $"SELECT 'cs_test_report' || i, 'partner_' || (i % 4), 'referral', 'autumn_' || (i % 6), NULL, NULL, {At("i + 60")}, {At("i + 120")}, 1 + (i % 3) " +
                $"FROM {numbers} WHERE i % 7 = 0");

            // One in five a subscription (renewed three times, a minute apart, each with its tax); the others paid
            // through a PaymentIntent, one in ten of them refunded an hour later, in part or in full.
            await ExecuteAsync(database,
                $"INSERT INTO {Table(database, "payment_link_session_payments")} (session_id, payment_intent, subscription_id, amount_tax) " +
                "SELECT 'cs_test_report' || i, CASE WHEN i % 5 <> 2 THEN 'pi_report' || i END, CASE WHEN i % 5 = 2 THEN 'sub_report' || i END, " +
                $"(1000 + (i % 5000)) / 10 FROM {numbers}");
            await ExecuteAsync(database,
                $"INSERT INTO {Table(database, "payment_link_charge_refunds")} (event_id, charge_id, payment_intent, invoice_id, currency, amount_refunded, observed_at, livemode) " +
                "SELECT 'evt_refund' || i, 'ch_report' || i, 'pi_report' || i, NULL, CASE i % 4 WHEN 0 THEN 'usd' WHEN 1 THEN 'eur' WHEN 2 THEN 'gbp' ELSE 'jpy' END, " +
                $"CASE WHEN i % 20 = 1 THEN 1000 + (i % 5000) ELSE 500 END, {At("i + 3600")}, {livemode} FROM {numbers} WHERE i % 10 = 1");
            foreach (var renewal in new[] { 1, 2, 3 })
            {
                await ExecuteAsync(database,
                    $"INSERT INTO {Table(database, "payment_link_invoices")} (invoice_id, subscription_id, billing_reason, amount_paid, amount_tax, currency, paid_at, livemode) " +
                    $"SELECT 'in_report' || i || '_{renewal}', 'sub_report' || i, 'subscription_cycle', 1000 + (i % 5000), (1000 + (i % 5000)) / 10, " +
                    "CASE i % 4 WHEN 0 THEN 'usd' WHEN 1 THEN 'eur' WHEN 2 THEN 'gbp' ELSE 'jpy' END, " +
                    $"{At($"i + {renewal * 60}")}, {livemode} FROM {numbers} WHERE i % 5 = 2 AND i % 10 <> 0");
            }
        }

        if (!sqlite)
        {
            await ExecuteAsync(database, $"ANALYZE {Table(database, "payment_link_sessions")}, {Table(database, "payment_link_visits")}, " +
                $"{Table(database, "payment_link_session_campaigns")}, {Table(database, "payment_link_campaign_keys")}, " +
                $"{Table(database, "payment_link_session_payments")}, {Table(database, "payment_link_charge_refunds")}, {Table(database, "payment_link_invoices")}");
        }
        else
        {
            await ExecuteAsync(database, "ANALYZE");
        }
    }

    private static string Table(LedgerDatabase database, string name) => database.Schema is null ? name : $"\"{database.Schema}\".{name}";

    private static async Task ExecuteAsync(LedgerDatabase database, string sql)
    {
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 600;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static long Median(List<long> values) => values.Order().ElementAt(values.Count / 2);
}
