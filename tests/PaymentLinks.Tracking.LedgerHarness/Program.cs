using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking;

// A process for the ledger's tests to start, run against the same database as the test, and kill:
//   record <file>   receives each webhook body in <file> (one base64 line each) through the real receiver, then prints
//                   "stored N duplicate M unavailable U"
//   fulfil <folder> runs the fulfilment worker; its handler writes <folder>/<session id>.<pid>.started before it works
//                   and .done after; with LEDGER_HANDLER_HANGS=1 it never finishes (the test kills the process).
//   forward <url>   runs the forwarding worker alone, to the loopback destination FORWARD_DESTINATION names at <url>
//                   (FORWARD_TIMEOUT_MS and FORWARD_LEASE_MS the request timeout and the lease; FORWARD_ASSUME_CONSENT=1
//                   assumes the buyers' consent):
//                     google_analytics (the default)  GA4's /mp/collect, FORWARD_API_SECRET its secret;
//                     google_ads                      Google's events:ingest, FORWARD_GOOGLE_KEY the service account's
//                                                     JSON key (its token_uri the loopback token endpoint),
//                                                     FORWARD_GOOGLE_ACCOUNT and FORWARD_GOOGLE_CONVERSION_ACTION;
//                     tiktok                          TikTok's event/track, FORWARD_TIKTOK_PIXEL the pixel code and
//                                                     FORWARD_API_SECRET the access token.
// The ledger comes from LEDGER_PROVIDER (Sqlite or PostgreSql), LEDGER_CONNECTION and LEDGER_SCHEMA; the signing
// secret from LEDGER_SECRET.
if (args.Length != 2 || args[0] is not ("record" or "fulfil" or "forward"))
{
    Console.Error.WriteLine("usage: record <file> | fulfil <folder> | forward <url>");
    return 2;
}

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
var secret = Environment.GetEnvironmentVariable("LEDGER_SECRET")!;
builder.Services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(secret));
AddLedger(builder.Services, options =>
{
    options.LeaseDuration = TimeSpan.FromSeconds(2);
    options.PollInterval = TimeSpan.FromMilliseconds(100);
    options.RetryDelay = TimeSpan.Zero;
    options.RunFulfillment = args[0] != "forward";
});
if (args[0] == "forward")
{
    var destination = Environment.GetEnvironmentVariable("FORWARD_DESTINATION") ?? "google_analytics";
    builder.Services.AddPaymentLinkForwarding(options =>
    {
        switch (destination)
        {
            case "google_analytics":
                options.GoogleAnalytics.MeasurementId = "G-HARNESS1";
                options.GoogleAnalytics.ApiSecret = Environment.GetEnvironmentVariable("FORWARD_API_SECRET");
                options.GoogleAnalytics.Endpoint = new Uri(args[1]);
                break;
            case "tiktok":
                options.TikTok.PixelCode = Environment.GetEnvironmentVariable("FORWARD_TIKTOK_PIXEL");
                options.TikTok.AccessToken = Environment.GetEnvironmentVariable("FORWARD_API_SECRET");
                options.TikTok.Endpoint = new Uri(args[1]);
                break;
            case "google_ads":
                break;
            default:
                throw new InvalidOperationException($"FORWARD_DESTINATION {destination} is not google_analytics, google_ads nor tiktok.");
        }

        options.AssumeConsent = Environment.GetEnvironmentVariable("FORWARD_ASSUME_CONSENT") == "1";
        options.RequestTimeout = TimeSpan.FromMilliseconds(int.Parse(Environment.GetEnvironmentVariable("FORWARD_TIMEOUT_MS")!, CultureInfo.InvariantCulture));
        options.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(Environment.GetEnvironmentVariable("FORWARD_LEASE_MS")!, CultureInfo.InvariantCulture));
        options.PollInterval = TimeSpan.FromMilliseconds(100);
    });
    if (destination == "google_ads")
    {
        builder.Services.AddGoogleAdsForwarding(options =>
        {
            options.OperatingAccountId = Environment.GetEnvironmentVariable("FORWARD_GOOGLE_ACCOUNT");
            options.ConversionActionId = Environment.GetEnvironmentVariable("FORWARD_GOOGLE_CONVERSION_ACTION");
            options.CredentialsJson = Environment.GetEnvironmentVariable("FORWARD_GOOGLE_KEY");
            options.Endpoint = new Uri(args[1]);
        });
    }
}

builder.Services.AddSingleton<IPaymentLinkFulfillmentHandler>(new MarkerFileHandler(args[1], Environment.GetEnvironmentVariable("LEDGER_HANDLER_HANGS") == "1"));
using var host = builder.Build();

if (args[0] == "record")
{
    var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
    var counts = new Dictionary<PaymentLinkWebhookOutcome, int>();
    foreach (var line in File.ReadAllLines(args[1]))
    {
        var body = Convert.FromBase64String(line);
        var receipt = await receiver.ReceiveAsync(new MemoryStream(body), Header(body, secret));
        counts[receipt.Outcome] = counts.GetValueOrDefault(receipt.Outcome) + 1;
    }

    Console.WriteLine(
        $"stored {counts.GetValueOrDefault(PaymentLinkWebhookOutcome.Stored)} " +
        $"duplicate {counts.GetValueOrDefault(PaymentLinkWebhookOutcome.Duplicate)} " +
        $"unavailable {counts.GetValueOrDefault(PaymentLinkWebhookOutcome.StoreUnavailable)}");
    return 0;
}

await host.RunAsync();
return 0;

static void AddLedger(IServiceCollection services, Action<PaymentLinkLedgerOptions> tweak)
{
    var connection = Environment.GetEnvironmentVariable("LEDGER_CONNECTION")!;
    if (Environment.GetEnvironmentVariable("LEDGER_PROVIDER") == "PostgreSql")
    {
        services.AddPostgreSqlLedger(options =>
        {
            options.ConnectionString = connection;
            options.Schema = Environment.GetEnvironmentVariable("LEDGER_SCHEMA")!;
            tweak(options);
        });
    }
    else
    {
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = connection;
            tweak(options);
        });
    }
}

static string Header(byte[] body, string secret)
{
    var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
    return $"t={timestamp},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
}

internal sealed class MarkerFileHandler(string folder, bool hangs) : IPaymentLinkFulfillmentHandler
{
    public async Task FulfillAsync(PaymentLinkSession session, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(folder, $"{session.SessionId}.{Environment.ProcessId}");
        await File.WriteAllTextAsync(marker + ".started", string.Empty, CancellationToken.None);
        if (hangs)
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }

        await File.WriteAllTextAsync(marker + ".done", string.Empty, CancellationToken.None);
    }
}
