using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>The console sample's <c>forwarding list</c>, <c>retry</c> and <c>validate</c>, run as a process over a real ledger.</summary>
public class ForwardingCommandTests
{
    private const string Console = "PaymentLinks.Tracking.Samples.Console";

    private string _folder = null!;
    private LoopbackDestinations Destinations { get; set; } = null!;

    private string SqliteConnectionString => $"Data Source={Path.Combine(_folder, "ledger.db")}";

    [SetUp]
    public void Create()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-forwarding-").FullName;
        Destinations = new LoopbackDestinations();
    }

    [TearDown]
    public async Task Remove()
    {
        await Destinations.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task List_shows_a_dead_conversion_retry_all_dead_makes_it_pending_and_the_worker_then_sends_it()
    {
        var failing = true;
        Destinations.Override = (_, _) => Task.FromResult<StripeAnswer?>(failing ? new StripeAnswer(503, "unavailable") : null);
        var sessionId = LedgerContract.NewLiveSessionId();
        await using (var provider = Ledger(options => options.MaxAttempts = 1))
        {
            await provider.GetRequiredService<DbPaymentLinkLedger>().RecordAsync(LedgerContract.PaidEvent(sessionId));
            await provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single().ForwardRoundAsync(CancellationToken.None);
        }

        var (exitCode, output, error) = await RunAsync("forwarding", "list", "--state", "dead");
        exitCode.ShouldBe(0, error);
        output.ShouldContain(sessionId);
        output.ShouldContain("google_analytics\tPurchase\tdead\t1\t4200 usd");
        output.ShouldContain("503");
        output.ShouldNotContain(LoopbackDestinations.ApiSecret);

        (exitCode, output, error) = await RunAsync("forwarding", "list", "--state", "sent");
        (exitCode, output.Trim()).ShouldBe((0, "No conversion is sent."));

        (exitCode, output, error) = await RunAsync("forwarding", "retry", "--all-dead");
        (exitCode, output.Trim()).ShouldBe((0, "1 conversion(s) will be tried again."), error);

        failing = false;
        await using (var provider = Ledger())
        {
            await provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single().ForwardRoundAsync(CancellationToken.None);
        }

        (exitCode, output, _) = await RunAsync("forwarding", "list");
        output.ShouldContain("google_analytics\tPurchase\tsent\t1");
        (exitCode, output, _) = await RunAsync("forwarding", "retry", sessionId);
        (exitCode, output.Trim()).ShouldBe((0, "0 conversion(s) will be tried again."));
    }

    [Test]
    public async Task Validate_prints_GA4s_validation_messages_and_exits_1()
    {
        Destinations.DebugAnswer = """{"validationMessages":[{"fieldPath":"client_id","description":"client_id is required.","validationCode":"VALUE_REQUIRED"}]}""";

        var (exitCode, output, error) = await RunAsync("forwarding", "validate");

        exitCode.ShouldBe(1, error);
        output.ShouldContain("google_analytics: problems");
        output.ShouldContain("client_id: client_id is required. (VALUE_REQUIRED)");

        Destinations.DebugAnswer = """{"validationMessages":[]}""";
        (exitCode, output, _) = await RunAsync("forwarding", "validate");
        exitCode.ShouldBe(0);
        output.ShouldContain("google_analytics: ok");
    }

    [Test]
    public async Task A_secret_of_the_wrong_shape_stops_the_command_without_being_printed()
    {
        var (exitCode, output, error) = await RunAsync(
            new Dictionary<string, string> { ["PaymentLinkTracking__Forwarding__GoogleAnalytics__ApiSecret"] = "not a secret at all" }, "forwarding", "list");

        exitCode.ShouldBe(2);
        error.ShouldContain("GoogleAnalytics:ApiSecret does not have the shape");
        (output + error).ShouldNotContain("not a secret at all");
    }

    [Test]
    public async Task Retry_wants_a_session_or_all_dead()
    {
        var (exitCode, _, error) = await RunAsync("forwarding", "retry");
        exitCode.ShouldBe(2);
        error.ShouldContain("Give a session id or --all");
    }

    private ServiceProvider Ledger(Action<PaymentLinkForwardingOptions>? tweak = null) => new ServiceCollection()
        .AddSqliteLedger(options =>
        {
            options.ConnectionString = SqliteConnectionString;
            options.RunFulfillment = false;
        })
        .AddPaymentLinkForwarding(options =>
        {
            Destinations.Configure(options, ForwardingDestination.GoogleAnalytics);
            tweak?.Invoke(options);
        })
        .BuildServiceProvider();

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments) => RunAsync([], arguments);

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(Dictionary<string, string> extra, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString,
            ["PaymentLinkTracking__Forwarding__GoogleAnalytics__MeasurementId"] = LoopbackDestinations.MeasurementId,
            ["PaymentLinkTracking__Forwarding__GoogleAnalytics__ApiSecret"] = LoopbackDestinations.ApiSecret,
            ["PaymentLinkTracking__Forwarding__GoogleAnalytics__Endpoint"] = Destinations.Server.ApiBase,
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        using var process = SampleProcess.Start(Console, arguments, environment);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return (exitCode, process.Output, process.Error);
    }
}
