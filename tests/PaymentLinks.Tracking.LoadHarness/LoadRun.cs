using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PaymentLinks.Tracking.Tests.CatchUp;
using PaymentLinks.Tracking.Tests.StripeApi;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>What a load run is asked to do.</summary>
internal sealed record LoadSettings(Engine Engine, int Sessions, int CatchUpSessions, int InFlight, int Seed, string? ConnectionString, TimeSpan? BusyTimeout = null);

/// <summary>
/// The load and fault run: signed events for many sessions delivered over HTTP to the receiver sample (each one to three
/// times, shuffled, spread over the instances), with a thank-you visit per session among them; one instance killed with
/// SIGKILL and started again mid-run, and another, whose handler's work takes 200-500 ms and ignores cancellation,
/// stopped with SIGTERM and started again; every delivery without a 2xx retried as Stripe does; then sessions never
/// delivered caught up from a loopback Events API whose list holds an event that cannot be read; then the ledger checked
/// against the plan.
/// </summary>
internal sealed partial class LoadRun(LoadSettings settings, TextWriter output)
{
    private const string SigningSecret = "whsec_load_harness_3f9a1c7e5b2d4f608a1b2c3d4e5f6a7b";
    private static readonly TimeSpan DeliveryDeadline = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan FulfilmentDeadline = TimeSpan.FromMinutes(2);
    private const string SlowHandlerDelay = "200-500";
    private const string PoisonedEventId = "evt_load_poisoned";

    public async Task<int> RunAsync()
    {
        var runId = settings.Seed.ToString(CultureInfo.InvariantCulture) + "x" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var sessions = new LoadSessions(runId);
        var start = DateTimeOffset.UtcNow.AddHours(-6);
        var delivered = sessions.Create(0, settings.Sessions, start);
        var caughtUp = sessions.Create(settings.Sessions, settings.CatchUpSessions, start.AddHours(3));
        var random = new Random(settings.Seed);
        var deliveries = delivered.SelectMany(session => session.Events)
            .SelectMany(e => Enumerable.Repeat(e, random.Next(1, 4)))
            .ToArray();
        random.Shuffle(deliveries);
        // The instances that take the load (two on PostgreSQL, one on SQLite), and one more on the same ledger whose
        // handler's work takes 200-500 ms and ignores cancellation: it is the one stopped with SIGTERM.
        var loadInstances = settings.Engine == Engine.PostgreSql ? 2 : 1;
        var instanceCount = loadInstances + 1;
        var slow = instanceCount - 1;

        using var database = LedgerDatabase.Create(settings.Engine, settings.ConnectionString, "load");
        var environment = database.ReceiverEnvironment().ToList();
        if (settings.BusyTimeout is { } busyTimeout)
        {
            environment.Add(new("PaymentLinkTracking__Ledger__BusyTimeout", busyTimeout.ToString("c", CultureInfo.InvariantCulture)));
        }

        using var instances = new ReceiverInstances(instanceCount, SigningSecret, environment, slow, SlowHandlerDelay);
        output.WriteLine(
            $"{settings.Engine}: {settings.Sessions} sessions, {delivered.Sum(s => s.Events.Count)} events in {deliveries.Length} deliveries " +
            $"and {delivered.Count} thank-you visits, {settings.InFlight} in flight, {loadInstances} receiver instance(s) and one whose handler " +
            $"takes {SlowHandlerDelay} ms; then {settings.CatchUpSessions} sessions caught up; seed {settings.Seed}");
        await instances.StartAllAsync();

        var visits = delivered.Select((session, index) => new PlannedVisit(session.SessionId, $"campaign_{index % 5}")).ToArray();
        var (outcomes, visitOutcomes, terminated) = await DeliverAsync(deliveries, visits, instances, loadInstances - 1, slow);
        var catchUp = await CatchUpAsync(database, caughtUp);
        var fulfilled = await WaitForFulfilmentAsync(database, delivered.Concat(caughtUp).Count(s => s.Fulfillable));
        output.WriteLine($"fulfilment: {fulfilled.Count} sessions fulfilled {fulfilled.Elapsed.TotalSeconds:F1} s after the last delivery");

        // The instances' console loggers write a line shortly after the handler ran.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var failed = await CheckReportAsync(database);
        failed += Check(database, [.. delivered, .. caughtUp], deliveries, outcomes, visits, visitOutcomes, instances, catchUp, terminated);
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// The report from its aggregates against the scan of the ledger's rows, every model and mode: the instances marked
    /// what each write changed and their report workers worked the marks out, beside each other and across the kill;
    /// what they left, the report works out before it reads.
    /// </summary>
    private async Task<int> CheckReportAsync(LedgerDatabase database)
    {
        var left = Convert.ToInt64(database.Query($"SELECT COUNT(*) FROM {database.Table("payment_link_report_marks")}")[0][0], CultureInfo.InvariantCulture);
        var services = new ServiceCollection().AddLogging();
        database.AddLedger(services, runFulfillment: false);
        await using var provider = services.BuildServiceProvider();
        var ledger = (DbPaymentLinkLedger)provider.GetRequiredService<IPaymentLinkLedger>();
        var (passed, failed) = (0, 0);
        var rows = 0;
        foreach (var mode in (PaymentLinkMode[])[PaymentLinkMode.Live, PaymentLinkMode.Test])
        {
            foreach (var model in Enum.GetValues<AttributionModel>())
            {
                var aggregated = await ledger.ReportAsync(null, null, mode, model);
                var scanned = (await ledger.ScanReportAsync(null, null, mode, model)).Where(row => !Empty(row)).ToList();
                rows += aggregated.Count;
                Count(aggregated.SequenceEqual(scanned), ref passed, ref failed);
            }
        }

        output.WriteLine($"report: {left} marks were left for the report to work out; {rows} rows over the models and modes");
        return Report("the report from its aggregates is the scan's, every model and mode", passed, failed);

        static bool Empty(CampaignReportRow row) =>
            row with { UtmSource = null, UtmMedium = null, UtmCampaign = null, Currency = null } == new CampaignReportRow(null, null, null, null, 0, 0, 0, 0, 0, 0, 0);
    }

    /// <summary>
    /// Sends every delivery and visit, <see cref="LoadSettings.InFlight"/> at a time, retrying each until it gets a 2xx
    /// (a visit: a page saying it was recorded); kills instance <paramref name="killed"/> with SIGKILL at 40% and stops
    /// instance <paramref name="slow"/> with SIGTERM at 70%, while its handler runs.
    /// </summary>
    private async Task<(DeliveryOutcome[] Deliveries, DeliveryOutcome[] Visits, TerminationOutcome? Terminated)> DeliverAsync(
        PlannedEvent[] deliveries, PlannedVisit[] visits, ReceiverInstances instances, int killed, int slow)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.InFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var outcomes = new DeliveryOutcome[deliveries.Length];
        var visitOutcomes = new DeliveryOutcome[visits.Length];
        var work = Enumerable.Range(0, deliveries.Length + visits.Length).ToArray();
        new Random(settings.Seed + 1).Shuffle(work);
        var finished = 0;
        var killAt = work.Length * 2 / 5;
        var terminateAt = work.Length * 7 / 10;
        Task? fault = null;
        Task<TerminationOutcome>? termination = null;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = settings.InFlight },
            async (item, cancellationToken) =>
            {
                if (item < deliveries.Length)
                {
                    outcomes[item] = await DeliverOneAsync(client, deliveries[item], item, instances);
                }
                else
                {
                    var visit = item - deliveries.Length;
                    visitOutcomes[visit] = await VisitOneAsync(client, visits[visit], visit, instances);
                }

                var count = Interlocked.Increment(ref finished);
                if (count == killAt)
                {
                    fault = KillAndRestartAsync(instances, killed);
                }
                else if (count == terminateAt)
                {
                    termination = TerminateAndRestartAsync(instances, slow);
                }
            });
        clock.Stop();
        if (fault is not null)
        {
            await fault;
        }

        var terminated = termination is null ? null : await termination;
        var attempts = outcomes.Concat(visitOutcomes).SelectMany(outcome => outcome.Attempts).ToList();
        var answered = outcomes.SelectMany(outcome => outcome.Attempts).Where(attempt => attempt.Status is >= 200 and < 300).Select(attempt => attempt.Milliseconds).Order().ToArray();
        var byStatus = string.Join(", ", attempts.GroupBy(a => a.Status).OrderBy(g => g.Key)
            .Select(g => $"{StatusName(g.Key)}: {g.Count()}"));
        output.WriteLine(
            $"deliveries: {deliveries.Length} and {visits.Length} visits in {clock.Elapsed.TotalSeconds:F1} s, {attempts.Count} attempts ({byStatus})");
        output.WriteLine(
            $"throughput: {deliveries.Length / clock.Elapsed.TotalSeconds:F0} deliveries/s, " +
            $"{deliveries.Select(d => d.EventId).Distinct().Count() / clock.Elapsed.TotalSeconds:F0} events/s; " +
            $"latency of 2xx answers p50 {Percentile(answered, 0.50):F1} ms, p99 {Percentile(answered, 0.99):F1} ms");
        return (outcomes, visitOutcomes, terminated);
    }

    private static string StatusName(int status) => status switch
    {
        0 => "no answer",
        NotRecordedVisit => "visit not recorded",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A thank-you page answered 200 but said the ledger could not record the visit.</summary>
    private const int NotRecordedVisit = -1;

    /// <summary>Visits the thank-you page as the buyer's browser does after paying, until the page says it recorded the visit.</summary>
    private static async Task<DeliveryOutcome> VisitOneAsync(HttpClient client, PlannedVisit visit, int index, ReceiverInstances instances)
    {
        var attempts = new List<DeliveryAttempt>();
        var deadline = DateTimeOffset.UtcNow + DeliveryDeadline;
        for (var attempt = 0; ; attempt++)
        {
            var url = instances.Url((index + attempt) % instances.Count, $"/thanks?session_id={visit.SessionId}&utm_source=load&utm_medium=harness&utm_campaign={visit.Campaign}");
            var status = 0;
            var clock = Stopwatch.StartNew();
            try
            {
                using var answer = await client.GetAsync(url);
                status = (int)answer.StatusCode;
                if (status == 200 && !(await answer.Content.ReadAsStringAsync()).Contains("visit: recorded", StringComparison.Ordinal))
                {
                    status = NotRecordedVisit;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // No answer: the instance is down or was stopped mid-request.
            }

            attempts.Add(new DeliveryAttempt(status, clock.Elapsed.TotalMilliseconds));
            if (status == 200)
            {
                return new DeliveryOutcome(attempts, Acknowledged: true);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                return new DeliveryOutcome(attempts, Acknowledged: false);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(attempt, 5))));
        }
    }

    private static async Task<DeliveryOutcome> DeliverOneAsync(HttpClient client, PlannedEvent delivery, int index, ReceiverInstances instances)
    {
        var attempts = new List<DeliveryAttempt>();
        var deadline = DateTimeOffset.UtcNow + DeliveryDeadline;
        for (var attempt = 0; ; attempt++)
        {
            // Spread over the instances, as a load balancer would; a retry goes to the next one.
            var url = instances.WebhookUrl((index + attempt) % instances.Count);
            var status = 0;
            var clock = Stopwatch.StartNew();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(delivery.Body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                // Stripe signs each attempt anew, with its own timestamp.
                request.Headers.TryAddWithoutValidation(
                    "Stripe-Signature", PaymentLinkWebhookSigner.CreateSignatureHeader(delivery.Body, SigningSecret, DateTimeOffset.UtcNow));
                using var answer = await client.SendAsync(request);
                status = (int)answer.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // No answer: the instance is down or was killed mid-request.
            }

            attempts.Add(new DeliveryAttempt(status, clock.Elapsed.TotalMilliseconds));
            if (status is >= 200 and < 300)
            {
                return new DeliveryOutcome(attempts, Acknowledged: true);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                return new DeliveryOutcome(attempts, Acknowledged: false);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(attempt, 5))));
        }
    }

    private async Task KillAndRestartAsync(ReceiverInstances instances, int instance)
    {
        instances.Kill(instance);
        output.WriteLine($"fault: instance {instance + 1} killed with SIGKILL mid-run");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await instances.RestartAsync(instance);
        output.WriteLine($"fault: instance {instance + 1} started again");
    }

    /// <summary>
    /// Stops the slow instance with SIGTERM while its handler runs (it has logged more "Fulfilling" than "Fulfilled"
    /// lines), waits for it to exit, and starts it again.
    /// </summary>
    private async Task<TerminationOutcome> TerminateAndRestartAsync(ReceiverInstances instances, int instance)
    {
        var process = instances.Running(instance);
        var wait = Stopwatch.StartNew();
        while (FulfillingLine().Count(process.Output) <= FulfilledLine().Count(process.Output) && wait.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(5);
        }

        var inFlight = FulfillingLine().Matches(process.Output).Select(match => match.Groups[1].Value)
            .Except(FulfilledLine().Matches(process.Output).Select(match => match.Groups[1].Value))
            .ToList();
        var exitCode = await instances.TerminateAsync(instance);
        output.WriteLine(
            $"fault: instance {instance + 1} stopped with SIGTERM mid-run while {inFlight.Count} handler(s) ran; it exited with {exitCode}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await instances.RestartAsync(instance);
        output.WriteLine($"fault: instance {instance + 1} started again");
        return new TerminationOutcome(process, inFlight, exitCode);
    }

    /// <summary>Records the sessions' events, never delivered, from a loopback Events API in Stripe's list shape.</summary>
    private async Task<CatchUpCounts> CatchUpAsync(LedgerDatabase database, List<PlannedSession> sessions)
    {
        await using var eventsApi = new LoopbackEventsApi();
        var listed = sessions.SelectMany(session => session.Events).OrderBy(e => e.Created).ToList();
        for (var i = 0; i < listed.Count; i++)
        {
            eventsApi.Add(JsonNode.Parse(listed[i].Body)!.AsObject());
            if (i == listed.Count / 2)
            {
                // Among the hundreds, one event that cannot be read: a checkout.session.completed without its livemode.
                var poisoned = JsonNode.Parse(listed[i].Body)!.AsObject();
                poisoned["id"] = PoisonedEventId;
                poisoned.Remove("livemode");
                eventsApi.Add(poisoned);
            }
        }

        var stripe = LoopbackStripeServer.CreateClient(eventsApi.Server.ApiBase, "sk_test_load_harness", maxNetworkRetries: 2);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<Stripe.IStripeClient>(stripe);
        services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SigningSecret)).AddPaymentLinkStripeApi();
        database.AddLedger(services);
        await using var provider = services.BuildServiceProvider();
        var since = sessions.Count == 0 ? DateTimeOffset.UtcNow : DateTimeOffset.FromUnixTimeSeconds(sessions.Min(s => s.Events[0].Created));

        // The library's catch-up: the same write path as a webhook, under its watermark and lease.
        var clock = Stopwatch.StartNew();
        var result = await provider.GetRequiredService<IPaymentLinkLedgerCatchUp>().RunAsync(since);
        var counts = new CatchUpCounts { Read = result.Read, Stored = result.Recorded, Duplicate = result.AlreadyRecorded, Refused = result.Refused };
        counts.RefusedIds = [.. database.Query($"SELECT event_id FROM {database.Table("payment_link_refused_events")}").Select(row => (string)row[0]!)];

        output.WriteLine(
            $"catch-up: {counts.Read} events read from the Events API in {eventsApi.Server.Requests.Count} requests, " +
            $"{counts.Stored} recorded, {counts.Duplicate} already there, {counts.Refused} refused, in {clock.Elapsed.TotalSeconds:F1} s");
        return counts;
    }

    private static async Task<(int Count, TimeSpan Elapsed)> WaitForFulfilmentAsync(LedgerDatabase database, int expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var count = Convert.ToInt32(database.Query($"SELECT COUNT(*) FROM {database.SessionsTable} WHERE fulfilled_at IS NOT NULL")[0][0], CultureInfo.InvariantCulture);
            if (count >= expected || clock.Elapsed > FulfilmentDeadline)
            {
                return (count, clock.Elapsed);
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Compares the ledger with the plan; prints one "N passed, N failed" line per check; returns the failures.</summary>
    private int Check(
        LedgerDatabase database,
        IReadOnlyList<PlannedSession> sessions,
        PlannedEvent[] deliveries,
        DeliveryOutcome[] outcomes,
        PlannedVisit[] visits,
        DeliveryOutcome[] visitOutcomes,
        ReceiverInstances instances,
        CatchUpCounts catchUp,
        TerminationOutcome? terminated)
    {
        var rows = database.Query(
                $"SELECT session_id, status, payment_status, paid_at, failed_at, expired_at, fulfilled_at, parked_at FROM {database.SessionsTable}")
            .ToDictionary(row => (string)row[0]!);
        var stored = database.Query($"SELECT event_id FROM {database.EventsTable}").Select(row => (string)row[0]!).ToList();
        var storedSet = stored.ToHashSet(StringComparer.Ordinal);
        var failures = 0;

        // Every session in its right final state, and no session the run did not make.
        var (passed, failed) = (0, 0);
        foreach (var session in sessions)
        {
            var right = rows.TryGetValue(session.SessionId, out var row)
                && (string?)row[1] == session.ExpectedStatus
                && (string?)row[2] == session.ExpectedPaymentStatus
                && (row[3] is not null) == session.Fulfillable
                && (row[4] is not null) == (session.Scenario == Scenario.AsyncFailed)
                && (row[5] is not null) == (session.Scenario == Scenario.Expired);
            Count(right, ref passed, ref failed);
        }

        failed += rows.Count - sessions.Count(s => rows.ContainsKey(s.SessionId));
        failures += Report("sessions in their final state", passed, failed);

        // Every event recorded once: each planned event is in the event table, and nothing else is.
        var planned = sessions.SelectMany(s => s.Events).Select(e => e.EventId).ToList();
        (passed, failed) = (0, 0);
        foreach (var eventId in planned)
        {
            Count(storedSet.Contains(eventId), ref passed, ref failed);
        }

        failed += stored.Count - planned.Count(storedSet.Contains);
        failures += Report("events recorded once", passed, failed);

        // Nothing lost: every delivery got its 2xx in the end, and the catch-up read every event it was given.
        (passed, failed) = (0, 0);
        foreach (var outcome in outcomes)
        {
            Count(outcome.Acknowledged, ref passed, ref failed);
        }

        foreach (var outcome in visitOutcomes)
        {
            Count(outcome.Acknowledged, ref passed, ref failed);
        }

        var caughtUpEvents = sessions.Skip(settings.Sessions).Sum(s => s.Events.Count);
        Count(catchUp.Read == caughtUpEvents && catchUp.Stored == caughtUpEvents, ref passed, ref failed);
        var visited = Convert.ToInt32(database.Query($"SELECT COUNT(*) FROM {database.Table("payment_link_visits")}")[0][0], CultureInfo.InvariantCulture);
        Count(visited == visits.Length, ref passed, ref failed);
        failures += Report("nothing lost (deliveries and visits acknowledged, visits recorded, catch-up complete)", passed, failed);

        // The unreadable event among the listed ones: refused and kept, once, and nothing else refused.
        (passed, failed) = (0, 0);
        Count(catchUp.Refused == 1 && catchUp.RefusedIds.SequenceEqual([PoisonedEventId]), ref passed, ref failed);
        Count(!storedSet.Contains(PoisonedEventId), ref passed, ref failed);
        failures += Report("poisoned event listed as refused, every other one recorded", passed, failed);

        // No writer was turned away: no 5xx for a webhook and no thank-you page left unrecorded (SQLITE_BUSY or a
        // PostgreSQL error would show as either).
        (passed, failed) = (0, 0);
        foreach (var outcome in outcomes.Concat(visitOutcomes))
        {
            Count(!outcome.Attempts.Any(attempt => attempt.Status is >= 500 or NotRecordedVisit), ref passed, ref failed);
        }

        failures += Report("no write refused under load (no 5xx, no visit unrecorded)", passed, failed);

        // No 2xx for an event that was not stored.
        (passed, failed) = (0, 0);
        for (var i = 0; i < deliveries.Length; i++)
        {
            if (outcomes[i].Acknowledged)
            {
                Count(storedSet.Contains(deliveries[i].EventId), ref passed, ref failed);
            }
        }

        failures += Report("no 2xx for an event not stored", passed, failed);

        // Every fulfillable session fulfilled exactly once: by the ledger's columns, and by the handler's own lines. A
        // call by the instance killed with SIGKILL, or one the SIGTERM cut off before it returned, may be run again.
        var lines = HandlerLines(instances);
        (passed, failed) = (0, 0);
        var rerunByKill = 0;
        var rerunAfterCutOff = 0;
        var lostWithKill = 0;
        var collisions = 0;
        foreach (var session in sessions)
        {
            var row = rows.GetValueOrDefault(session.SessionId);
            var calls = lines.GetValueOrDefault(session.SessionId) ?? [];
            if (!session.Fulfillable)
            {
                Count(row is not null && row[6] is null && calls.Count == 0, ref passed, ref failed);
                continue;
            }

            var inLedger = row is not null && row[6] is not null && row[7] is null;
            if (!inLedger)
            {
                Count(false, ref passed, ref failed);
            }
            else if (calls.Count == 1)
            {
                Count(true, ref passed, ref failed);
            }
            else if (calls.Count == 2 && calls.Count(call => call.Started.KilledAt is not null) == 1)
            {
                // Run by the instance that was killed before it could mark the session, then again: the handler runs
                // at least once, and this is the once more the kill allows.
                rerunByKill++;
                Count(true, ref passed, ref failed);
            }
            else if (calls.Count == 2 && calls.Count(call => call.Started.TerminatedAt is not null && !call.Returned) == 1)
            {
                // Cut off by the SIGTERM before it returned (its work outlived the shutdown), then run again.
                rerunAfterCutOff++;
                Count(true, ref passed, ref failed);
            }
            else if (calls.Count == 0 && FulfilledAt(row![6]!) is var at && instances.Started.Any(s => s.KilledAt is { } killed && at <= killed.AddSeconds(1) && at >= killed.AddSeconds(-10)))
            {
                // Marked fulfilled by the killed instance just before the kill, whose console logger had not written
                // the line yet.
                lostWithKill++;
                Count(true, ref passed, ref failed);
            }
            else
            {
                collisions += calls.Count > 1 ? 1 : 0;
                Count(false, ref passed, ref failed);
            }
        }

        failures += Report("fulfilled exactly once", passed, failed);
        output.WriteLine(
            $"fulfilment: {collisions} collisions; {rerunByKill} sessions run again after the kill (the killed instance had not marked them); " +
            $"{lostWithKill} handler lines lost with the killed instance's output");

        // SIGTERM: every handler the stopped instance saw return (its "Fulfilled session" line) is recorded and never
        // run again, the ones running when the signal came included; handlers it cut off are counted apart.
        (passed, failed) = (0, 0);
        var cutOff = 0;
        if (terminated is null)
        {
            Count(false, ref passed, ref failed);
        }
        else
        {
            Count(terminated.ExitCode == 0, ref passed, ref failed);
            var returned = FulfilledLine().Matches(terminated.Process.Output).Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            foreach (var sessionId in returned)
            {
                var row = rows.GetValueOrDefault(sessionId);
                Count(row is not null && row[6] is not null && (lines.GetValueOrDefault(sessionId)?.Count ?? 0) == 1, ref passed, ref failed);
            }

            cutOff = FulfillingLine().Matches(terminated.Process.Output).Select(match => match.Groups[1].Value).Count(id => !returned.Contains(id));
            var inFlightReturned = terminated.InFlight.Count(returned.Contains);
            output.WriteLine(
                $"SIGTERM: {returned.Count} handlers returned on the stopped instance, {inFlightReturned} of the {terminated.InFlight.Count} running at the signal among them; " +
                $"{cutOff} cut off (run again: {rerunAfterCutOff})");
            Count(terminated.InFlight.Count > 0 && inFlightReturned == terminated.InFlight.Count, ref passed, ref failed);
        }

        failures += Report("SIGTERM: handlers that returned recorded and never run again", passed, failed);
        output.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check group(s) failed");
        return failures;
    }

    private int Report(string check, int passed, int failed)
    {
        output.WriteLine($"{check}: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static void Count(bool pass, ref int passed, ref int failed)
    {
        if (pass)
        {
            passed++;
        }
        else
        {
            failed++;
        }
    }

    /// <summary>
    /// The sample's handler calls (its <c>Fulfilling session ...</c> lines) in every process's output, by session, each
    /// with whether the process also logged that the handler returned (<c>Fulfilled session ...</c>).
    /// </summary>
    private static Dictionary<string, List<HandlerCall>> HandlerLines(ReceiverInstances instances)
    {
        var lines = new Dictionary<string, List<HandlerCall>>(StringComparer.Ordinal);
        foreach (var started in instances.Started)
        {
            var output = started.Process.Output;
            var returned = FulfilledLine().Matches(output).Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            foreach (Match match in FulfillingLine().Matches(output))
            {
                var sessionId = match.Groups[1].Value;
                if (!lines.TryGetValue(sessionId, out var calls))
                {
                    lines[sessionId] = calls = [];
                }

                calls.Add(new HandlerCall(started, returned.Contains(sessionId)));
            }
        }

        return lines;
    }

    private static DateTimeOffset FulfilledAt(object value) => value switch
    {
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        long milliseconds => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds),
        _ => DateTimeOffset.MinValue,
    };

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

    [GeneratedRegex(@"Fulfilling session (cs_\S+)")]
    private static partial Regex FulfillingLine();

    [GeneratedRegex(@"Fulfilled session (cs_\S+)")]
    private static partial Regex FulfilledLine();

    private sealed record PlannedVisit(string SessionId, string Campaign);

    private sealed record HandlerCall(StartedReceiver Started, bool Returned);

    private sealed record TerminationOutcome(Tests.Samples.SampleProcess Process, IReadOnlyList<string> InFlight, int ExitCode);

    private sealed record DeliveryAttempt(int Status, double Milliseconds);

    private sealed record DeliveryOutcome(IReadOnlyList<DeliveryAttempt> Attempts, bool Acknowledged);

    private sealed class CatchUpCounts
    {
        public int Read { get; set; }

        public int Stored { get; set; }

        public int Duplicate { get; set; }

        public int Refused { get; set; }

        public IReadOnlyList<string> RefusedIds { get; set; } = [];
    }
}
