using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking.AspNetCore;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>
/// The tracked-link redirect (<c>app.MapPaymentLinkRedirect</c>, which records each click) measured side by side with a
/// plain <c>Results.Redirect</c> endpoint to the same link, in one Kestrel app on 127.0.0.1: the median time of one
/// request at a time, and the rate with <c>inFlight</c> requests in flight. Passes of the two sides alternate; each
/// side's median pass is kept. At the end the host stops and every click answered must be in the ledger.
/// </summary>
internal sealed class RedirectBench(Engine engine, int requests, int inFlight, int rounds, string? connectionString, TextWriter output)
{
    private const string Link = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";

    // The rate pass sends this many times the requests of the one-at-a-time pass: long enough to measure in flight.
    private const int RatePassFactor = 5;

    public async Task<int> RunAsync()
    {
        output.WriteLine(
            $"machine: {Environment.ProcessorCount} cores (shared with other work), {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
            $"load average before: {LoadAverage()}; {engine}, {requests} requests one at a time and {requests * RatePassFactor} with {inFlight} in flight " +
            $"a pass, {rounds} passes a side");
        using var database = LedgerDatabase.Create(engine, connectionString, "bench_redirect");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddPaymentLinkTracking(options => options.Links["pro"] = Link);
        database.AddLedger(builder.Services, runFulfillment: false);
        var app = builder.Build();

        // The rate limit is off: every request of the run comes from one address.
        app.MapPaymentLinkRedirect("/go/{name}", new PaymentLinkRedirectOptions { PermitsPerClient = null, Consent = _ => VisitConsent.Granted });
        app.MapGet("/plain/{name}", (string name) => Results.Redirect(Link));
        await app.StartAsync();
        var address = app.Urls.First();

        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = inFlight });
        var sent = 0L;
        Uri Tracked() => new($"{address}/go/pro?utm_source=google&utm_medium=cpc&gclid=EAIaIQob{Interlocked.Increment(ref sent)}");
        var plainCount = 0L;
        Uri Plain() => new($"{address}/plain/pro?utm_source=google&utm_medium=cpc&gclid=EAIaIQob{Interlocked.Increment(ref plainCount)}");

        // Warm both paths (JIT, connections, the schema).
        await RateAsync(client, Tracked, Math.Min(requests, 500));
        await RateAsync(client, Plain, Math.Min(requests, 500));

        var (trackedMedians, plainMedians, trackedRates, plainRates) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var (trackedP99, plainP99) = (new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var tracked in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var next = tracked ? (Func<Uri>)Tracked : Plain;
                var (median, p99) = await LatencyAsync(client, next, requests);
                var rate = await RateAsync(client, next, requests * RatePassFactor);
                (tracked ? trackedMedians : plainMedians).Add(median);
                (tracked ? trackedP99 : plainP99).Add(p99);
                (tracked ? trackedRates : plainRates).Add(rate);
            }
        }

        var loadAfter = LoadAverage();
        await app.StopAsync();
        await app.DisposeAsync();

        // Every click answered is in the ledger once the host has stopped.
        var recorded = Convert.ToInt64(database.Query($"SELECT COUNT(*) FROM {database.Table("payment_link_clicks")}")[0][0], CultureInfo.InvariantCulture);

        var (p50, plainP50) = (Median(trackedMedians), Median(plainMedians));
        var (rate16, plainRate16) = (Median(trackedRates), Median(plainRates));
        var latencyRatio = p50 / plainP50;
        var rateRatio = rate16 / plainRate16;
        output.WriteLine(
            $"one at a time ({engine}): tracked redirect p50 {p50:F3} ms (p99 {Median(trackedP99):F3} ms), plain Results.Redirect p50 {plainP50:F3} ms " +
            $"(p99 {Median(plainP99):F3} ms); {latencyRatio:F2}x its time; goal at most 3.00x: {(latencyRatio <= 3 ? "met" : "NOT met")}");
        output.WriteLine(
            $"{inFlight} in flight ({engine}): tracked redirect {rate16:F0} requests/s, plain Results.Redirect {plainRate16:F0} requests/s; " +
            $"{rateRatio:F2} of its rate; goal at least 0.30: {(rateRatio >= 0.3 ? "met" : "NOT met")}");
        output.WriteLine($"clicks answered {sent}, recorded {recorded} after the host stopped: {(recorded == sent ? "none lost" : "LOST " + (sent - recorded))}");
        output.WriteLine($"load average after: {loadAfter}");
        return latencyRatio <= 3 && rateRatio >= 0.3 && recorded == sent ? 0 : 1;
    }

    /// <summary>One request at a time: the median and the 99th percentile, in milliseconds.</summary>
    private static async Task<(double Median, double P99)> LatencyAsync(HttpClient client, Func<Uri> next, int count)
    {
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.GetTimestamp();
            await GetAsync(client, next());
            times[i] = Stopwatch.GetElapsedTime(clock).TotalMilliseconds;
        }

        Array.Sort(times);
        return (times[count / 2], times[Math.Min(count - 1, count * 99 / 100)]);
    }

    /// <summary>Requests per second, <c>inFlight</c> at a time.</summary>
    private async Task<double> RateAsync(HttpClient client, Func<Uri> next, int count)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (_, _) => await GetAsync(client, next()));
        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task GetAsync(HttpClient client, Uri url)
    {
        using var answer = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        if (answer.StatusCode != HttpStatusCode.Found)
        {
            throw new InvalidOperationException($"{url.AbsolutePath} answered {(int)answer.StatusCode}.");
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) + " (1, 5, 15 min)";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
