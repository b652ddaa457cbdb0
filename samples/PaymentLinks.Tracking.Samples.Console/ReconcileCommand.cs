using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// <c>reconcile</c>: records in the configured ledger the checkout events Stripe's Events API lists and the ledger
/// missed, and prints how many it read, recorded and already had. The ledger and the Stripe key are read only when
/// the command runs, so the other commands need neither. <c>reconcile refused</c> lists the events a run could not read
/// (<see cref="IPaymentLinkAdmin.ListRefusedCatchUpEventsAsync"/>), from the ledger alone.
/// </summary>
internal static class ReconcileCommand
{
    public const int Failed = 1;

    /// <summary>What <c>reconcile --help</c> adds after the options.</summary>
    public const string Details = """
        Configuration (appsettings.json or environment variables):
          PaymentLinkTracking:StripeApiKey      a key with Events: read (PaymentLinkTracking__StripeApiKey)
          PaymentLinkTracking:StripeApiBase     Stripe's API, https://api.stripe.com by default
          PaymentLinkTracking:Ledger:Provider   Sqlite (default) or PostgreSql
          ConnectionStrings:PaymentLinkLedger   default for SQLite: Data Source=paymentlinks-ledger.db

        Stripe keeps events for 30 days: --since may be at most 30 days ago. Without it, the run starts at the
        ledger's watermark (where the last run stopped), or 3 days back on the first run.

        Exit codes: 0 done (or another instance is catching up now); 1 Stripe or the ledger failed; 2 bad arguments
        or configuration.

        An event Stripe lists that cannot be read is kept in the ledger as refused, with the reason, and the run moves
        on; `reconcile refused` lists them (the ledger only, no Stripe key), --show-json with each event's JSON as
        Stripe wrote it (it can name the customer).

        Examples:
          reconcile --since 2026-11-27
          reconcile refused --limit 20
        """;

    public static Command Create(Func<IConfiguration>? configuration = null, Func<IServiceProvider>? openLedger = null)
    {
        var since = ReportCommand.DateOption(
            "--since", "List events created at or after this time (UTC unless an offset is given), e.g. 2026-11-27 or 2026-11-27T08:00:00Z.");

        var command = new Command("reconcile", "Records the checkout events Stripe lists that the configured ledger missed.") { since, Refused(openLedger) };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(since),
            (configuration ?? ReadConfiguration)(),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    /// <summary><c>reconcile refused</c>: the events catch-up kept as refused, the most recently refused first.</summary>
    private static Command Refused(Func<IServiceProvider>? openLedger)
    {
        var limit = AdminCommands.LimitOption("At most this many events, 1 to 1000.");
        var showJson = new Option<bool>("--show-json") { Description = "Print each event's JSON as Stripe wrote it (it can name the customer)." };
        var command = new Command("refused", "Lists the events Stripe listed that could not be read, kept in the ledger for review.") { limit, showJson };
        command.SetAction((parse, cancellationToken) => AdminCommands.WithAdminAsync(parse, openLedger, async (admin, output) =>
        {
            var refused = await admin.ListRefusedCatchUpEventsAsync(parse.GetValue(limit), cancellationToken);
            output.WriteLine(refused.Count == 1 ? "1 refused event" : $"{refused.Count} refused events");
            foreach (var refusedEvent in refused)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{refusedEvent.EventId}  created {Time(refusedEvent.Created)}  {refusedEvent.EventType ?? "(no type)"}  {refusedEvent.Reason}  refused {Time(refusedEvent.RefusedAt)}"));
                if (parse.GetValue(showJson))
                {
                    output.WriteLine(refusedEvent.Json);
                }
            }

            return TrackingTool.Success;
        }));
        return command;

        static string Time(DateTimeOffset? time) =>
            time is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "(unknown)";
    }

    private static IConfiguration ReadConfiguration() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    private static async Task<int> RunAsync(
        DateTimeOffset? since, IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        IPaymentLinkLedgerCatchUp catchUp;
        try
        {
            services.AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")).AddPaymentLinkStripeApi();
            services.AddConfiguredLedger(configuration);
        }
        catch (InvalidOperationException invalid)
        {
            error.WriteLine($"error: {invalid.Message}");
            return TrackingTool.UsageError;
        }

        await using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;
            catchUp = provider.GetRequiredService<IPaymentLinkLedgerCatchUp>();
        }
        catch (OptionsValidationException invalid)
        {
            foreach (var failure in invalid.Failures)
            {
                error.WriteLine($"error: {failure}");
            }

            return TrackingTool.UsageError;
        }

        try
        {
            var result = await catchUp.RunAsync(since, cancellationToken);
            if (result.Skipped)
            {
                output.WriteLine("Another instance is catching up now; nothing was read.");
                return TrackingTool.Success;
            }

            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Read {result.Read} events from Stripe since {result.Since:u}: {result.Recorded} recorded, {result.AlreadyRecorded} already recorded."));
            if (result.Refused > 0)
            {
                // Kept in the ledger with the reason; the run moved on past them.
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{result.Refused} {(result.Refused == 1 ? "event" : "events")} could not be read and {(result.Refused == 1 ? "was" : "were")} kept as refused, for review."));
            }

            output.WriteLine(result.Watermark is { } watermark
                ? string.Create(CultureInfo.InvariantCulture, $"The next run starts at {watermark:u}.")
                : "No event moved the watermark.");
            return TrackingTool.Success;
        }
        catch (ArgumentOutOfRangeException tooOld)
        {
            error.WriteLine($"error: --since: {tooOld.Message.Split(Environment.NewLine)[0].Split(" (Parameter")[0]}");
            return TrackingTool.UsageError;
        }
        catch (StripeRequestException stripe)
        {
            error.WriteLine($"error: {stripe.Message}");
            return Failed;
        }
        catch (DbException database)
        {
            error.WriteLine($"error: the ledger could not be reached or refused a write ({database.GetType().Name}): {database.Message}");
            return Failed;
        }
        catch (InvalidOperationException stopped)
        {
            error.WriteLine($"error: {stopped.Message}");
            return Failed;
        }
    }
}
