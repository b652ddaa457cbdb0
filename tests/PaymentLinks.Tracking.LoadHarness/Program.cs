using System.CommandLine;
using PaymentLinks.Tracking.LoadHarness;
using PaymentLinks.Tracking.Tests.Ledger;

// The ledger's load and fault harness, and its speed side by side with the floor.
//   run   [--engine postgresql|sqlite] [--sessions N] [--catch-up N] [--in-flight N] [--seed N] [--short] [--connection CS]
//   bench [--engine postgresql|sqlite] [--events N] [--in-flight N] [--rounds N] [--connection CS]
//   report-bench [--engine postgresql|sqlite] [--sessions N] [--rounds N] [--connection CS] [--keep SCHEMA|FILE] [--fsync on|off]
//   forward-bench [--conversions N] [--latency-ms N] [--skip-one-at-a-time] [--outage 10m]
//   redirect-bench [--engine postgresql|sqlite] [--requests N] [--in-flight N] [--rounds N] [--connection CS]
// Without --connection, PostgreSQL is a throwaway server (PAYMENTLINKS_TEST_POSTGRES names an existing one instead).
var engine = new Option<Engine>("--engine") { Description = "The ledger's engine: postgresql (two receiver instances) or sqlite (one).", DefaultValueFactory = _ => Engine.PostgreSql };
var connection = new Option<string?>("--connection") { Description = "A PostgreSQL connection string to use instead of a throwaway server." };
var inFlight = new Option<int>("--in-flight") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 32 };

var sessions = new Option<int>("--sessions") { Description = "Checkout Sessions delivered as webhooks.", DefaultValueFactory = _ => 10_000 };
var catchUp = new Option<int>("--catch-up") { Description = "Sessions never delivered, caught up from the Events API.", DefaultValueFactory = _ => 500 };
var seed = new Option<int>("--seed") { Description = "Seeds the deliveries' copies and order.", DefaultValueFactory = _ => 1 };
var shortForm = new Option<bool>("--short") { Description = "The short form CI runs: 1,000 sessions (overrides --sessions)." };
var busyTimeout = new Option<TimeSpan?>("--busy-timeout") { Description = "The receivers' SQLite BusyTimeout instead of the library's default (to see the harness catch SQLITE_BUSY, e.g. 00:00:00.001)." };
var run = new Command("run", "Delivers signed events to the webhook receiver sample, kills an instance mid-run, catches up, and checks the ledger.")
{
    engine, sessions, catchUp, inFlight, seed, shortForm, connection, busyTimeout,
};
run.SetAction((parse, _) => Guarded(() => new LoadRun(
    new LoadSettings(
        parse.GetValue(engine),
        parse.GetValue(shortForm) ? 1_000 : parse.GetValue(sessions),
        parse.GetValue(catchUp),
        parse.GetValue(inFlight),
        parse.GetValue(seed),
        parse.GetValue(connection),
        parse.GetValue(busyTimeout)),
    Console.Out).RunAsync()));

var events = new Option<int>("--events") { Description = "Events written per measured pass.", DefaultValueFactory = _ => 4_000 };
var rounds = new Option<int>("--rounds") { Description = "Passes of each side, interleaved; the median is kept.", DefaultValueFactory = _ => 3 };
var benchInFlight = new Option<int>("--in-flight") { Description = "Writers (or requests) in flight at once.", DefaultValueFactory = _ => 16 };
var bench = new Command("bench", "Measures the ledger's writes and the webhook path over HTTP side by side with the floor, as ratios.")
{
    engine, events, benchInFlight, rounds, connection,
};
bench.SetAction((parse, _) => Guarded(() => new SideBySide(
    parse.GetValue(engine), parse.GetValue(events), parse.GetValue(benchInFlight), parse.GetValue(rounds), parse.GetValue(connection), Console.Out).RunAsync()));

var reportSessions = new Option<int>("--sessions") { Description = "Sessions in the ledger at the last measurement (the first is at 100,000).", DefaultValueFactory = _ => 1_000_000 };
var reportRounds = new Option<int>("--rounds") { Description = "Reports of each side, interleaved; the median is kept.", DefaultValueFactory = _ => 5 };
var keep = new Option<string?>("--keep") { Description = "A PostgreSQL schema (or SQLite file) kept after the run: filled only up to the sessions it lacks, so a later run measures it again." };
var fsync = new Option<string?>("--fsync") { Description = "PostgreSQL: the server's fsync for the run, on (as in production) or off (the throwaway server's default)." };
var reportBench = new Command("report-bench", "Measures the campaign report side by side with a hand-written GROUP BY on the same tables, and the memory it takes.")
{
    engine, reportSessions, reportRounds, connection, keep, fsync,
};
reportBench.SetAction((parse, _) => Guarded(() => new ReportBench(
    parse.GetValue(engine), parse.GetValue(reportSessions), parse.GetValue(reportRounds), parse.GetValue(connection), parse.GetValue(keep), Console.Out)
{
    Fsync = parse.GetValue(fsync) switch { null => null, "on" => true, "off" => false, var other => throw new ArgumentException($"--fsync takes on or off, not {other}.") },
}.RunAsync()));

var conversions = new Option<int>("--conversions") { Description = "Paid sessions forwarded per measured pass.", DefaultValueFactory = _ => 10_000 };
var latency = new Option<int>("--latency-ms") { Description = "How long each destination request takes.", DefaultValueFactory = _ => 50 };
var skipOne = new Option<bool>("--skip-one-at-a-time") { Description = "Leave out the one-request-at-a-time pass (the slow side)." };
var outage = new Option<string?>("--outage")
{
    Description = "Also run with every destination answering 503 for the run's first span (30s, 10m): every conversion must arrive once, none dead, and the sending after recovery within 1.5x of the run without an outage plus 2 s.",
};
var forwardBench = new Command("forward-bench", "Measures forwarding to loopback GA4, Meta, Google Ads and TikTok with the default settings, and GA4 beside one request at a time.")
{
    conversions, latency, skipOne, outage,
};
forwardBench.SetAction((parse, _) => Guarded(() => new ForwardBench(
    parse.GetValue(conversions), TimeSpan.FromMilliseconds(parse.GetValue(latency)), !parse.GetValue(skipOne), Console.Out)
{
    Outage = ForwardBench.ParseSpan(parse.GetValue(outage)),
}.RunAsync()));

var redirectRequests = new Option<int>("--requests") { Description = "Requests of each side per measured pass (one at a time, then in flight).", DefaultValueFactory = _ => 2_000 };
var redirectRounds = new Option<int>("--rounds") { Description = "Passes of each side, interleaved; the median is kept.", DefaultValueFactory = _ => 3 };
var redirectBench = new Command("redirect-bench", "Measures the tracked-link redirect side by side with a plain Results.Redirect endpoint on Kestrel at 127.0.0.1.")
{
    engine, redirectRequests, benchInFlight, redirectRounds, connection,
};
redirectBench.SetAction((parse, _) => Guarded(() => new RedirectBench(
    parse.GetValue(engine), parse.GetValue(redirectRequests), parse.GetValue(benchInFlight), parse.GetValue(redirectRounds), parse.GetValue(connection), Console.Out).RunAsync()));

var root = new RootCommand("PaymentLinks.Tracking's load and fault harness.") { run, bench, reportBench, forwardBench, redirectBench };
var exit = await root.Parse(args).InvokeAsync();
PostgreSqlServer.StopShared();
return exit;

static async Task<int> Guarded(Func<Task<int>> action)
{
    try
    {
        return await action();
    }
    catch (NUnit.Framework.IgnoreException e)
    {
        // No PostgreSQL server could be had: the reason, plainly.
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}
