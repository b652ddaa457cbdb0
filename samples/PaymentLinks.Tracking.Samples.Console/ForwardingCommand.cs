using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// <c>forwarding list [--state ...]</c>, <c>forwarding retry &lt;session-id&gt;</c>, <c>forwarding retry --all</c> and
/// <c>forwarding validate</c>: the forwarding outbox of the configured ledger, through <see cref="IPaymentLinkForwarding"/>.
/// The ledger and the destinations' settings are read only when the command runs.
/// </summary>
internal static class ForwardingCommand
{
    public const int Failed = 1;

    /// <summary>What <c>forwarding --help</c> adds after the options.</summary>
    public const string Details = """
        Configuration (appsettings.json or environment variables), under PaymentLinkTracking:Forwarding:
          GoogleAnalytics:MeasurementId, GoogleAnalytics:ApiSecret    Google Analytics 4 (Measurement Protocol)
          Meta:PixelId, Meta:AccessToken, Meta:ApiVersion             Meta (Conversions API)
          Webhook:Url, Webhook:Secret                                 your own signed webhook
          GoogleAds:OperatingAccountId, GoogleAds:ConversionActionId,
          GoogleAds:CredentialsFile or GoogleAds:CredentialsJson      Google Ads (Data Manager API)
        and the ledger: PaymentLinkTracking:Ledger:Provider, ConnectionStrings:PaymentLinkLedger.

        Exit codes: 0 done (validate: every destination accepted the configuration); 1 the ledger failed, or validate
        found a problem; 2 bad arguments or configuration.

        Examples:
          forwarding list --state dead
          forwarding retry cs_live_a1B2c3
          forwarding retry --all
          forwarding validate
        """;

    private static readonly Dictionary<string, ForwardingState> States = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pending"] = ForwardingState.Pending,
        ["sent"] = ForwardingState.Sent,
        ["failed"] = ForwardingState.Failed,
        ["dead"] = ForwardingState.Dead,
        ["withheld"] = ForwardingState.Withheld,
        ["too-old"] = ForwardingState.TooOld,
    };

    public static Command Create(Func<IConfiguration>? configuration = null)
    {
        var read = configuration ?? ReadConfiguration;
        var state = new Option<string?>("--state") { Description = "Only conversions in this state: pending, sent, failed, dead, too-old or withheld." };
        state.AcceptOnlyFromAmong([.. States.Keys]);
        var limit = new Option<int>("--limit") { Description = "The most rows shown, newest first.", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "Lists the conversions forwarded or waiting, newest first.") { state, limit };
        list.SetAction((parse, cancellationToken) => RunAsync(read(), parse.InvocationConfiguration, (forwarding, output) => ListAsync(
            forwarding, parse.GetValue(state) is { } name ? States[name] : null, parse.GetValue(limit), output, cancellationToken)));

        var sessionId = new Argument<string?>("session-id") { Description = "The Checkout Session (cs_...) whose failed and dead conversions are tried again.", Arity = ArgumentArity.ZeroOrOne };
        var allDead = new Option<bool>("--all", "--all-dead") { Description = "Try every failed and dead conversion again." };
        var retry = new Command("retry", "Makes failed or dead conversions pending again, with their tries counted from zero.") { sessionId, allDead };
        retry.Validators.Add(result =>
        {
            var hasSession = result.GetValue(sessionId) is not null;
            if (hasSession == result.GetValue(allDead))
            {
                result.AddError("Give a session id or --all, not both.");
            }
        });
        retry.SetAction((parse, cancellationToken) => RunAsync(read(), parse.InvocationConfiguration, async (forwarding, output) =>
        {
            var count = parse.GetValue(sessionId) is { } session
                ? await forwarding.RetryAsync(session, cancellationToken)
                : await forwarding.RetryAllDeadAsync(cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} conversion(s) will be tried again."));
            return TrackingTool.Success;
        }));

        var validate = new Command("validate", "Checks the configured destinations: GA4 against its /debug/mp/collect, the others by shape.");
        validate.SetAction((parse, cancellationToken) => RunAsync(read(), parse.InvocationConfiguration, async (forwarding, output) =>
        {
            var results = await forwarding.ValidateAsync(cancellationToken);
            if (results.Count == 0)
            {
                output.WriteLine("No destination is configured (PaymentLinkTracking:Forwarding).");
                return Failed;
            }

            foreach (var result in results)
            {
                output.WriteLine($"{result.Destination}: {(result.IsValid ? "ok" : "problems")}");
                foreach (var message in result.Messages)
                {
                    output.WriteLine($"  {message}");
                }
            }

            return results.All(result => result.IsValid) ? TrackingTool.Success : Failed;
        }));

        return new Command("forwarding", "The conversions sent to Google Analytics 4, Meta and your webhook: list, retry, validate.") { list, retry, validate };
    }

    private static IConfiguration ReadConfiguration() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    private static async Task<int> ListAsync(
        IPaymentLinkForwarding forwarding, ForwardingState? state, int limit, TextWriter output, CancellationToken cancellationToken)
    {
        var rows = await forwarding.ListAsync(state, Math.Clamp(limit, 1, 10_000), cancellationToken);
        if (rows.Count == 0)
        {
            output.WriteLine(state is null ? "No conversion is in the outbox." : $"No conversion is {Name(state.Value)}.");
            return TrackingTool.Success;
        }

        output.WriteLine("id\tsession\tdestination\tkind\tstate\ttries\tamount\toccurred\terror");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{row.Id}\t{row.SessionId}\t{row.Destination}\t{row.Kind}\t{Name(row.State)}\t{row.Attempts}\t{row.Amount} {row.Currency}\t{row.OccurredAt:u}\t{row.LastError}"));
        }

        return TrackingTool.Success;
    }

    private static string Name(ForwardingState state) => States.First(pair => pair.Value == state).Key;

    private static async Task<int> RunAsync(
        IConfiguration configuration, InvocationConfiguration invocation, Func<IPaymentLinkForwarding, TextWriter, Task<int>> run)
    {
        var (output, error) = (invocation.Output, invocation.Error);
        var services = new ServiceCollection();
        try
        {
            services.AddConfiguredLedger(configuration);
            services.AddPaymentLinkForwarding(configuration.GetSection("PaymentLinkTracking:Forwarding"));
            if (configuration.GetSection("PaymentLinkTracking:Forwarding:GoogleAds") is { } googleAds && googleAds.Exists())
            {
                services.AddGoogleAdsForwarding(googleAds);
            }
        }
        catch (InvalidOperationException invalid)
        {
            error.WriteLine($"error: {invalid.Message}");
            return TrackingTool.UsageError;
        }

        await using var provider = services.BuildServiceProvider();
        IPaymentLinkForwarding forwarding;
        try
        {
            _ = provider.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value;
            _ = provider.GetService<IOptions<GoogleAds.GoogleAdsForwardingOptions>>()?.Value;
            forwarding = provider.GetRequiredService<IPaymentLinkForwarding>();
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
            return await run(forwarding, output);
        }
        catch (DbException database)
        {
            error.WriteLine($"error: the ledger could not be reached or refused a write ({database.GetType().Name}): {database.Message}");
            return Failed;
        }
    }
}
