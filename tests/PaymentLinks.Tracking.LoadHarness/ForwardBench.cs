using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>
/// Forwarding's speed: N paid sessions in a SQLite ledger, sent by the forwarding worker to loopback GA4 and Meta
/// endpoints that take a fixed time per request, with the default settings and with one request at a time
/// (<c>MaxInFlight = 1</c>), in one run; the figures are the wall times, their ratio, and Meta's request count.
/// </summary>
internal sealed class ForwardBench(int conversions, TimeSpan latency, bool includeOneAtATime, TextWriter output)
{
    private const string Secret = "whsec_forward_bench_0123456789abcdef";
    private const string ApiSecret = "benchApiSecret_0123456789";
    private const string AccessToken = "EAABenchAccessToken0123456789abcdefghijkl";

    public async Task<int> RunAsync()
    {
        await using var destinations = await Destinations.StartAsync(latency);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Forwarding {conversions:N0} conversions; each destination request takes {latency.TotalMilliseconds:0} ms."));
        var events = PaidEvents(conversions);

        var ga = await MeasureAsync(destinations, events, ForwardingDestination.GoogleAnalytics, maxInFlight: null);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GA4, default settings (MaxInFlight 8): {ga.Elapsed.TotalSeconds:0.0} s, {ga.Requests:N0} requests"));
        var meta = await MeasureAsync(destinations, events, ForwardingDestination.Meta, maxInFlight: null);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Meta, default settings: {meta.Elapsed.TotalSeconds:0.0} s, {meta.Requests:N0} requests (largest batch {meta.LargestBatch:N0} events)"));
        var failed = meta.Requests > 12;
        if (includeOneAtATime)
        {
            var one = await MeasureAsync(destinations, events, ForwardingDestination.GoogleAnalytics, maxInFlight: 1);
            var ratio = one.Elapsed / ga.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GA4, one request at a time (MaxInFlight 1): {one.Elapsed.TotalSeconds:0.0} s, {one.Requests:N0} requests"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Default settings are {ratio:0.0}x faster than one request at a time."));
            failed |= ratio < 6;
        }

        output.WriteLine(failed ? "FAILED: below the targets (6x, at most 12 Meta requests)." : "OK");
        return failed ? 1 : 0;
    }

    private static async Task<(TimeSpan Elapsed, int Requests, int LargestBatch)> MeasureAsync(
        Destinations destinations, List<byte[]> events, ForwardingDestination destination, int? maxInFlight)
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-forward-bench-").FullName;
        try
        {
            var services = new ServiceCollection();
            services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(Secret));
            services.AddSqliteLedger(options =>
            {
                options.ConnectionString = $"Data Source={Path.Combine(folder, "ledger.db")}";
                options.RunFulfillment = false;
            });
            services.AddPaymentLinkForwarding(options =>
            {
                if (destination == ForwardingDestination.GoogleAnalytics)
                {
                    options.GoogleAnalytics.MeasurementId = "G-BENCH1";
                    options.GoogleAnalytics.ApiSecret = ApiSecret;
                    options.GoogleAnalytics.Endpoint = destinations.Endpoint;
                }
                else
                {
                    options.Meta.PixelId = "1234567890";
                    options.Meta.AccessToken = AccessToken;
                    options.Meta.Endpoint = destinations.Endpoint;
                }

                options.IncludeTestMode = true;
                options.RunWorker = false;
                if (maxInFlight is { } value)
                {
                    options.MaxInFlight = value;
                }
            });
            await using (var provider = services.BuildServiceProvider())
            {
                var receiver = provider.GetRequiredService<PaymentLinkWebhookReceiver>();
                foreach (var body in events)
                {
                    var receipt = await receiver.ReceiveAsync(new MemoryStream(body), Sign(body));
                    if (receipt.Outcome != PaymentLinkWebhookOutcome.Stored)
                    {
                        throw new InvalidOperationException($"An event was not stored: {receipt.Outcome} {receipt.Rejection}.");
                    }
                }
            }

            // The outbox is filled; a fresh host with the worker on sends it, timed from its start to the last row sent.
            services.AddPaymentLinkForwarding(options => options.RunWorker = true);
            await using var sender = services.BuildServiceProvider();
            var forwarding = sender.GetRequiredService<IPaymentLinkForwarding>();
            destinations.Reset();
            var clock = Stopwatch.StartNew();
            var workers = sender.GetServices<IHostedService>().ToList();
            foreach (var worker in workers)
            {
                await worker.StartAsync(CancellationToken.None);
            }

            while ((await forwarding.ListAsync(ForwardingState.Pending, 1)).Count > 0)
            {
                await Task.Delay(20);
            }

            clock.Stop();
            foreach (var worker in workers)
            {
                await worker.StopAsync(CancellationToken.None);
            }

            var sent = (await forwarding.ListAsync(ForwardingState.Sent, 10_000)).Count;
            if (sent != events.Count)
            {
                throw new InvalidOperationException($"{sent} of {events.Count} conversions were sent.");
            }

            return (clock.Elapsed, destinations.Requests, destinations.LargestBatch);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Sign(byte[] body)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signed = Encoding.UTF8.GetBytes($"{now}.").Concat(body).ToArray();
        return $"t={now},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed))}";
    }

    private static List<byte[]> PaidEvents(int count)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkout_session.json")))!.AsObject();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var run = Guid.NewGuid().ToString("N")[..8];
        var events = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var session = fixture.DeepClone().AsObject();
            session["id"] = $"cs_test_{run}_{i:D6}";
            session["status"] = "complete";
            session["payment_status"] = "paid";
            session["payment_link"] = "plink_1Pgc78B7WZ01zgkWC75kX0jg";
            session["currency"] = "usd";
            session["amount_total"] = 4200;
            var envelope = new JsonObject
            {
                ["id"] = $"evt_{run}_{i:D6}",
                ["object"] = "event",
                ["api_version"] = "2026-10-28.endive",
                ["created"] = now - 60,
                ["data"] = new JsonObject { ["object"] = session },
                ["livemode"] = false,
                ["pending_webhooks"] = 1,
                ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
                ["type"] = "checkout.session.completed",
            };
            events.Add(JsonSerializer.SerializeToUtf8Bytes(envelope));
        }

        return events;
    }

    /// <summary>GA4's and Meta's endpoints on Kestrel, each request answered after the latency.</summary>
    private sealed class Destinations(WebApplication app, TimeSpan latency) : IAsyncDisposable
    {
        private int _requests;
        private int _largestBatch;

        public Uri Endpoint { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public int LargestBatch => Volatile.Read(ref _largestBatch);

        public static async Task<Destinations> StartAsync(TimeSpan latency)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var destinations = new Destinations(app, latency);
            app.MapPost("/mp/collect", async (HttpContext context) =>
            {
                Interlocked.Increment(ref destinations._requests);
                await Task.Delay(destinations.Latency);
                return Results.NoContent();
            });
            app.MapPost("/{version}/{pixel}/events", async (HttpRequest request) =>
            {
                Interlocked.Increment(ref destinations._requests);
                var body = await JsonNode.ParseAsync(request.Body);
                var count = body!["data"]!.AsArray().Count;
                int largest;
                while ((largest = Volatile.Read(ref destinations._largestBatch)) < count
                    && Interlocked.CompareExchange(ref destinations._largestBatch, count, largest) != largest)
                {
                }

                await Task.Delay(destinations.Latency);
                return Results.Text($$"""{"events_received":{{count}},"messages":[],"fbtrace_id":"ABench"}""", "application/json");
            });
            await app.StartAsync();
            destinations.Endpoint = new Uri(app.Urls.First());
            return destinations;
        }

        public TimeSpan Latency => latency;

        public void Reset()
        {
            Volatile.Write(ref _requests, 0);
            Volatile.Write(ref _largestBatch, 0);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
