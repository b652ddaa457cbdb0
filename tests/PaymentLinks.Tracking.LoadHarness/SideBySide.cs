using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>
/// The ledger measured side by side with the floor, in one run, as ratios: recording events through
/// <see cref="IPaymentLinkLedger.RecordAsync"/> against the same rows written directly (<see cref="FloorWriter"/>), and,
/// on PostgreSQL, the whole webhook path over HTTP (verify, parse, record) against a minimal endpoint that writes the
/// same rows. Passes of the two sides alternate; each side's median pass is kept.
/// </summary>
internal sealed class SideBySide(Engine engine, int events, int inFlight, int rounds, string? connectionString, TextWriter output)
{
    private const string SigningSecret = "whsec_side_by_side_8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";

    public async Task<int> RunAsync()
    {
        output.WriteLine(
            $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
            $"{engine}, {events} events a pass, {inFlight} in flight, {rounds} passes a side");
        using var ledgerDatabase = LedgerDatabase.Create(engine, connectionString, "bench_ledger");
        using var floorDatabase = LedgerDatabase.Create(engine, connectionString, "bench_floor");
        var services = new ServiceCollection().AddLogging();
        services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SigningSecret));
        ledgerDatabase.AddLedger(services, runFulfillment: false);
        await using var provider = services.BuildServiceProvider();
        var ledger = provider.GetRequiredService<IPaymentLinkLedger>();
        await CreateTablesAsync(floorDatabase);
        await using var floor = new FloorWriter(floorDatabase);
        var webhookOptions = new PaymentLinkWebhookOptions();
        webhookOptions.SigningSecrets.Add(SigningSecret);
        var parser = new PaymentLinkWebhookParser(webhookOptions);

        // Recording: the same events' rows through the ledger and straight into the tables.
        var ledgerRates = new List<double>();
        var floorRates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var ledgerEvents = Parse(parser, Plan($"rl{round}"));
            var floorRows = Parse(parser, Plan($"rf{round}")).Select(FloorRow.From).ToList();
            if (round == 0)
            {
                await ledger.RecordAsync(ledgerEvents[0]);
                await floor.WriteAsync(floorRows[0]);
            }

            var ledgerPass = () => RateAsync(ledgerEvents.Skip(1), e => ledger.RecordAsync(e));
            var floorPass = () => RateAsync(floorRows.Skip(1), row => floor.WriteAsync(row));
            foreach (var pass in round % 2 == 0 ? new[] { ledgerPass, floorPass } : [floorPass, ledgerPass])
            {
                var rate = await pass();
                (pass == ledgerPass ? ledgerRates : floorRates).Add(rate);
            }
        }

        Print($"recording ({engine}, {inFlight} writers)", "RecordAsync", Median(ledgerRates), "direct writes", Median(floorRates), goal: 0.5);

        if (engine == Engine.PostgreSql)
        {
            await WebhookPathAsync(ledgerDatabase, floorDatabase);
        }

        return 0;
    }

    /// <summary>The whole webhook path over HTTP: the library's receiver against a minimal hand-written endpoint.</summary>
    private async Task WebhookPathAsync(LedgerDatabase ledgerDatabase, LedgerDatabase floorDatabase)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SigningSecret));
        ledgerDatabase.AddLedger(builder.Services, runFulfillment: false);
        await using var app = builder.Build();
        await using var floor = new FloorWriter(floorDatabase);

        // As the receiver sample does it.
        app.MapPost("/library", async (HttpRequest request, PaymentLinkWebhookReceiver webhooks, CancellationToken cancellationToken) =>
        {
            var receipt = await webhooks.ReceiveAsync(request.Body, request.Headers["Stripe-Signature"], cancellationToken);
            return receipt.Outcome switch
            {
                PaymentLinkWebhookOutcome.Stored or PaymentLinkWebhookOutcome.Duplicate => Results.Ok(),
                PaymentLinkWebhookOutcome.Refused => Results.BadRequest(),
                _ => Results.StatusCode(StatusCodes.Status503ServiceUnavailable),
            };
        });

        // The floor: the body read with System.Text.Json and its rows written, no signature checked, no library.
        app.MapPost("/floor", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            await floor.WriteAsync(FloorRow.From(body.RootElement), cancellationToken);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Urls.First();

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = inFlight });
        var libraryRates = new List<double>();
        var floorRates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var libraryRequests = Signed(Plan($"hl{round}"));
            var floorRequests = Signed(Plan($"hf{round}"));
            var libraryPass = () => RateAsync(libraryRequests, request => PostAsync(client, new Uri($"{address}/library"), request));
            var floorPass = () => RateAsync(floorRequests, request => PostAsync(client, new Uri($"{address}/floor"), request));
            foreach (var pass in round % 2 == 0 ? new[] { libraryPass, floorPass } : [floorPass, libraryPass])
            {
                var rate = await pass();
                (pass == libraryPass ? libraryRates : floorRates).Add(rate);
            }
        }

        await app.StopAsync();
        Print($"webhook over HTTP ({engine}, {inFlight} in flight)", "receiver (verify, parse, record)", Median(libraryRates), "minimal endpoint", Median(floorRates), goal: 0.5);
    }

    private List<PlannedEvent> Plan(string runId) =>
        [.. new LoadSessions(runId).Create(0, events * 2 / 3 + 1, DateTimeOffset.UtcNow.AddHours(-1)).SelectMany(s => s.Events).Take(events + 1)];

    private static List<PaymentLinkEvent> Parse(PaymentLinkWebhookParser parser, List<PlannedEvent> planned) =>
        [.. planned.Select(e => parser.Parse(e.Body, PaymentLinkWebhookSigner.CreateSignatureHeader(e.Body, SigningSecret, DateTimeOffset.UtcNow)))];

    private static List<(byte[] Body, string Signature)> Signed(List<PlannedEvent> planned) =>
        [.. planned.Select(e => (e.Body, PaymentLinkWebhookSigner.CreateSignatureHeader(e.Body, SigningSecret, DateTimeOffset.UtcNow)))];

    private static async Task PostAsync(HttpClient client, Uri url, (byte[] Body, string Signature) request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.TryAddWithoutValidation("Stripe-Signature", request.Signature);
        using var answer = await client.SendAsync(message);
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{url} answered {(int)answer.StatusCode}.");
        }
    }

    /// <summary>Items per second, <c>inFlight</c> at a time.</summary>
    private async Task<double> RateAsync<T>(IEnumerable<T> items, Func<T, Task> write)
    {
        var list = items.ToList();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (item, _) => await write(item));
        return list.Count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The ledger's tables on the floor's database, made by the library so that both sides write the same ones.</summary>
    private static async Task CreateTablesAsync(LedgerDatabase database)
    {
        var services = new ServiceCollection().AddLogging();
        database.AddLedger(services, runFulfillment: false);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync("cs_test_none");
    }

    private void Print(string what, string ours, double ourRate, string floorName, double floorRate, double goal)
    {
        var ratio = ourRate / floorRate;
        output.WriteLine(
            $"{what}: {ours} {ourRate:F0} events/s, {floorName} (floor) {floorRate:F0} events/s; " +
            $"{ratio:F2} of the floor's rate ({floorRate / ourRate:F2}x its time); goal at least {goal:F2}: {(ratio >= goal ? "met" : "NOT met")}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
