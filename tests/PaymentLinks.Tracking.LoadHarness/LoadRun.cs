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
internal sealed record LoadSettings(Engine Engine, int Sessions, int CatchUpSessions, int InFlight, int Seed, string? ConnectionString);

/// <summary>
/// The load and fault run: signed events for many sessions delivered over HTTP to the receiver sample (each one to three
/// times, shuffled, spread over the instances), one instance killed with SIGKILL and started again mid-run, every
/// delivery without a 2xx retried as Stripe does; then sessions never delivered caught up from a loopback Events API;
/// then the ledger checked against the plan.
/// </summary>
internal sealed partial class LoadRun(LoadSettings settings, TextWriter output)
{
    private const string SigningSecret = "whsec_load_harness_3f9a1c7e5b2d4f608a1b2c3d4e5f6a7b";
    private static readonly TimeSpan DeliveryDeadline = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan FulfilmentDeadline = TimeSpan.FromMinutes(2);

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
        var instanceCount = settings.Engine == Engine.PostgreSql ? 2 : 1;

        using var database = LedgerDatabase.Create(settings.Engine, settings.ConnectionString, "load");
        using var instances = new ReceiverInstances(instanceCount, SigningSecret, database.ReceiverEnvironment());
        output.WriteLine(
            $"{settings.Engine}: {settings.Sessions} sessions, {delivered.Sum(s => s.Events.Count)} events in {deliveries.Length} deliveries, " +
            $"{settings.InFlight} in flight, {instanceCount} receiver instance(s); then {settings.CatchUpSessions} sessions caught up; seed {settings.Seed}");
        await instances.StartAllAsync();

        var outcomes = await DeliverAsync(deliveries, instances);
        var catchUp = await CatchUpAsync(database, caughtUp);
        var fulfilled = await WaitForFulfilmentAsync(database, delivered.Concat(caughtUp).Count(s => s.Fulfillable));
        output.WriteLine($"fulfilment: {fulfilled.Count} sessions fulfilled {fulfilled.Elapsed.TotalSeconds:F1} s after the last delivery");

        // The instances' console loggers write a line shortly after the handler ran.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var failed = Check(database, [.. delivered, .. caughtUp], deliveries, outcomes, instances, catchUp);
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Sends every delivery, <see cref="LoadSettings.InFlight"/> at a time, retrying each until it gets a 2xx.</summary>
    private async Task<DeliveryOutcome[]> DeliverAsync(PlannedEvent[] deliveries, ReceiverInstances instances)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.InFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var outcomes = new DeliveryOutcome[deliveries.Length];
        var finished = 0;
        var killAt = deliveries.Length * 2 / 5;
        Task? fault = null;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, deliveries.Length),
            new ParallelOptions { MaxDegreeOfParallelism = settings.InFlight },
            async (index, cancellationToken) =>
            {
                outcomes[index] = await DeliverOneAsync(client, deliveries[index], index, instances);
                if (Interlocked.Increment(ref finished) == killAt)
                {
                    fault = KillAndRestartAsync(instances);
                }
            });
        clock.Stop();
        if (fault is not null)
        {
            await fault;
        }

        var attempts = outcomes.SelectMany(outcome => outcome.Attempts).ToList();
        var answered = attempts.Where(attempt => attempt.Status is >= 200 and < 300).Select(attempt => attempt.Milliseconds).Order().ToArray();
        var byStatus = string.Join(", ", attempts.GroupBy(a => a.Status).OrderBy(g => g.Key)
            .Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))}: {g.Count()}"));
        output.WriteLine(
            $"deliveries: {deliveries.Length} in {clock.Elapsed.TotalSeconds:F1} s, {attempts.Count} attempts ({byStatus})");
        output.WriteLine(
            $"throughput: {deliveries.Length / clock.Elapsed.TotalSeconds:F0} deliveries/s, " +
            $"{deliveries.Select(d => d.EventId).Distinct().Count() / clock.Elapsed.TotalSeconds:F0} events/s; " +
            $"latency of 2xx answers p50 {Percentile(answered, 0.50):F1} ms, p99 {Percentile(answered, 0.99):F1} ms");
        return outcomes;
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

    private async Task KillAndRestartAsync(ReceiverInstances instances)
    {
        var instance = instances.Count - 1;
        instances.Kill(instance);
        output.WriteLine($"fault: instance {instance + 1} killed with SIGKILL mid-run");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await instances.RestartAsync(instance);
        output.WriteLine($"fault: instance {instance + 1} started again");
    }

    /// <summary>Records the sessions' events, never delivered, from a loopback Events API in Stripe's list shape.</summary>
    private async Task<CatchUpCounts> CatchUpAsync(LedgerDatabase database, List<PlannedSession> sessions)
    {
        await using var eventsApi = new LoopbackEventsApi();
        foreach (var planned in sessions.SelectMany(session => session.Events).OrderBy(e => e.Created))
        {
            eventsApi.Add(JsonNode.Parse(planned.Body)!.AsObject());
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
        var counts = new CatchUpCounts { Read = result.Read, Stored = result.Recorded, Duplicate = result.AlreadyRecorded };

        output.WriteLine(
            $"catch-up: {counts.Read} events read from the Events API in {eventsApi.Server.Requests.Count} requests, " +
            $"{counts.Stored} recorded, {counts.Duplicate} already there, in {clock.Elapsed.TotalSeconds:F1} s");
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
        ReceiverInstances instances,
        CatchUpCounts catchUp)
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

        var caughtUpEvents = sessions.Skip(settings.Sessions).Sum(s => s.Events.Count);
        Count(catchUp.Read == caughtUpEvents && catchUp.Stored == caughtUpEvents, ref passed, ref failed);
        failures += Report("nothing lost (deliveries acknowledged, catch-up complete)", passed, failed);

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

        // Every fulfillable session fulfilled exactly once: by the ledger's columns, and by the handler's own lines.
        var lines = HandlerLines(instances);
        (passed, failed) = (0, 0);
        var rerunByKill = 0;
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
            else if (calls.Count == 2 && calls.Count(call => call.KilledAt is not null) == 1)
            {
                // Run by the instance that was killed before it could mark the session, then again: the handler runs
                // at least once, and this is the once more the kill allows.
                rerunByKill++;
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

    /// <summary>The sample's handler lines (<c>Fulfilling session ...</c>) in every process's output, by session.</summary>
    private static Dictionary<string, List<StartedReceiver>> HandlerLines(ReceiverInstances instances)
    {
        var lines = new Dictionary<string, List<StartedReceiver>>(StringComparer.Ordinal);
        foreach (var started in instances.Started)
        {
            foreach (Match match in FulfillingLine().Matches(started.Process.Output))
            {
                var sessionId = match.Groups[1].Value;
                if (!lines.TryGetValue(sessionId, out var calls))
                {
                    lines[sessionId] = calls = [];
                }

                calls.Add(started);
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

    private sealed record DeliveryAttempt(int Status, double Milliseconds);

    private sealed record DeliveryOutcome(IReadOnlyList<DeliveryAttempt> Attempts, bool Acknowledged);

    private sealed class CatchUpCounts
    {
        public int Read { get; set; }

        public int Stored { get; set; }

        public int Duplicate { get; set; }
    }
}
