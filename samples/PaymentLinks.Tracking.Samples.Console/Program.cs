using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.Samples;

// The links and default UTM codes live in appsettings.json (beside the program) and environment variables,
// e.g. PaymentLinkTracking__Links__pro=https://buy.stripe.com/... adds a link named "pro".
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    ContentRootPath = AppContext.BaseDirectory,
});

// A command-line tool speaks through its output: drops are printed, not logged.
builder.Logging.ClearProviders();
builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"));

// Only the commands that read the ledger open it, and link and bulk only with PaymentLinkTracking:CampaignKeys on (to
// register each campaign key): otherwise they need no database. The ledger comes from the same configuration as the
// receiver's (PaymentLinkTracking:Ledger:Provider, ConnectionStrings:PaymentLinkLedger).
// The commands that only read or change an existing ledger (report, sessions, reconcile refused, erase,
// migrate --script) never create one: a mistyped SQLite path is refused, naming the file looked for.
var mustExist = args is ["report", ..] or ["sessions", ..] or ["reconcile", "refused", ..] or ["erase", ..] || (args is ["migrate", ..] && args.Contains("--script"));
ServiceProvider? ledger = null;
IServiceProvider OpenLedger() => ledger ??= new ServiceCollection()
    .AddLogging()
    .AddConfiguredLedger(builder.Configuration, mustExist)
    .BuildServiceProvider();
if (builder.Configuration.GetValue<bool>("PaymentLinkTracking:CampaignKeys"))
{
    builder.Services.AddSingleton(_ => OpenLedger().GetRequiredService<IPaymentLinkAttribution>());
}

using var host = builder.Build();
try
{
    // Starting the host validates the options: a bad link or default UTM code stops here, saying which.
    await host.StartAsync();
}
catch (OptionsValidationException invalid)
{
    Console.Error.WriteLine($"The configuration (appsettings.json, environment variables) is not valid: {invalid.Message}");
    return TrackingTool.UsageError;
}

var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

// Console.Out flushes every write; a million CSV rows want a buffer.
int exitCode;
using (var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16))
{
    // The progress bar is for a person watching a terminal, never for a file or a pipe.
    Func<long, BulkProgress?>? progress = Console.IsErrorRedirected ? null : totalBytes => new BulkProgress(Console.Error, totalBytes, TimeProvider.System);
    exitCode = TrackingTool.Run(args, links, output, Console.Error, progress, OpenLedger);
}

if (ledger is not null)
{
    await ledger.DisposeAsync();
}

await host.StopAsync();
return exitCode;
