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
/// the command runs, so the other commands need neither.
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

        Example:
          reconcile --since 2026-11-27
        """;

    public static Command Create(Func<IConfiguration>? configuration = null)
    {
        var since = ReportCommand.DateOption(
            "--since", "List events created at or after this time (UTC unless an offset is given), e.g. 2026-11-27 or 2026-11-27T08:00:00Z.");

        var command = new Command("reconcile", "Records the checkout events Stripe lists that the configured ledger missed.") { since };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(since),
            (configuration ?? ReadConfiguration)(),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
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
