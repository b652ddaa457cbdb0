using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.CatchUp;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>The console sample's <c>reconcile</c>, run as a process against the loopback Events API and a real ledger.</summary>
public class ReconcileCommandTests
{
    private const string Console = "PaymentLinks.Tracking.Samples.Console";
    private const string ApiKey = "rk_test_51PgcReconcileCommand00000000000000";

    private string _folder = null!;

    private string SqliteConnectionString => $"Data Source={Path.Combine(_folder, "ledger.db")}";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("paymentlinks-reconcile-").FullName;

    [TearDown]
    public void RemoveFolder()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Reconcile_records_what_stripe_lists_and_a_second_run_finds_it_already_recorded()
    {
        await using var api = new LoopbackEventsApi();
        var sessions = AddEvents(api, 4);
        var environment = Environment(api, new() { ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString });

        var (exitCode, output, error) = await RunAsync(environment, "reconcile");

        exitCode.ShouldBe(0, error);
        output.ShouldContain("Read 4 events from Stripe since ");
        output.ShouldContain(": 4 recorded, 0 already recorded.");
        error.ShouldBeEmpty();

        var again = await RunAsync(environment, "reconcile");

        again.ExitCode.ShouldBe(0, again.Error);
        // The second run reads again from 10 minutes before the watermark: the four events, all already recorded.
        again.Output.ShouldContain("Read 4 events from Stripe since ");
        again.Output.ShouldContain(": 0 recorded, 4 already recorded.");

        await using var ledger = new ServiceCollection().AddSqliteLedger(SqliteConnectionString).BuildServiceProvider();
        foreach (var session in sessions)
        {
            (await ledger.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(session)).ShouldNotBeNull();
        }
    }

    [Test]
    public async Task Reconcile_counts_an_event_it_cannot_read_as_refused_and_records_the_rest()
    {
        await using var api = new LoopbackEventsApi();
        AddEvents(api, 3);
        var poisoned = SignedWebhooks.Envelope(
            "checkout.session.completed", SignedWebhooks.CompletedSession(), id: "evt_reconcile_poisoned", created: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        poisoned.Remove("livemode");
        api.Add(poisoned);

        var (exitCode, output, error) = await RunAsync(
            Environment(api, new() { ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString }), "reconcile");

        exitCode.ShouldBe(0, error);
        output.ShouldContain(": 3 recorded, 0 already recorded.");
        output.ShouldContain("1 event could not be read and was kept as refused, for review.");

        // Listed from the ledger alone: no Stripe key needed.
        var ledgerOnly = new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString };
        var refused = await RunAsync(ledgerOnly, "reconcile", "refused");
        refused.ExitCode.ShouldBe(0, refused.Error);
        refused.Output.ShouldContain("1 refused event");
        refused.Output.ShouldContain("evt_reconcile_poisoned  created ");
        refused.Output.ShouldContain("  checkout.session.completed  NotAnEvent  refused ");
        refused.Output.ShouldNotContain(SignedWebhooks.CustomerEmail);
        var withJson = await RunAsync(ledgerOnly, "reconcile", "refused", "--show-json", "--limit", "5");
        withJson.ExitCode.ShouldBe(0, withJson.Error);
        withJson.Output.ShouldContain("\"evt_reconcile_poisoned\"");
        (await RunAsync(ledgerOnly, "reconcile", "refused", "--limit", "0")).ExitCode.ShouldBe(2);

        var missing = await RunAsync(new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(_folder, "nowhere.db")}" }, "reconcile", "refused");
        missing.ExitCode.ShouldBe(1);
        File.Exists(Path.Combine(_folder, "nowhere.db")).ShouldBeFalse();
    }

    [Test]
    public async Task Reconcile_records_into_postgresql_when_the_configuration_names_it()
    {
        var server = PostgreSqlServer.Require();
        var schema = PostgreSqlServer.NewSchema();
        try
        {
            await using var api = new LoopbackEventsApi();
            AddEvents(api, 3);
            var poisoned = SignedWebhooks.Envelope(
                "checkout.session.completed", SignedWebhooks.CompletedSession(), id: "evt_reconcile_poisoned_pg", created: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
            poisoned.Remove("livemode");
            api.Add(poisoned);
            var ledger = new Dictionary<string, string>
            {
                ["PaymentLinkTracking__Ledger__Provider"] = "PostgreSql",
                ["PaymentLinkTracking__Ledger__Schema"] = schema,
                ["ConnectionStrings__PaymentLinkLedger"] = server.ConnectionString,
            };

            var (exitCode, output, error) = await RunAsync(
                Environment(api, new(ledger)),
                "reconcile",
                "--since",
                DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

            exitCode.ShouldBe(0, error);
            output.ShouldContain(": 3 recorded, 0 already recorded.");
            var refused = await RunAsync(ledger, "reconcile", "refused");
            refused.ExitCode.ShouldBe(0, refused.Error);
            refused.Output.ShouldContain("1 refused event");
            refused.Output.ShouldContain("evt_reconcile_poisoned_pg  created ");
        }
        finally
        {
            await server.DropSchemaAsync(schema);
        }
    }

    [Test]
    public async Task Reconcile_without_a_key_says_how_to_set_one_and_exits_2()
    {
        var (exitCode, output, error) = await RunAsync(
            new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString }, "reconcile");

        exitCode.ShouldBe(2);
        error.ShouldContain("PaymentLinkTracking__StripeApiKey");
        output.ShouldBeEmpty();
    }

    [Test]
    public async Task Reconcile_refused_by_stripe_says_so_without_the_key_and_exits_1()
    {
        await using var api = new LoopbackEventsApi
        {
            Override = _ => StripeAnswer.Error(401, "invalid_request_error", null, "Invalid API Key provided: rk_test_****0000"),
        };

        var (exitCode, output, error) = await RunAsync(
            Environment(api, new() { ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString }), "reconcile");

        exitCode.ShouldBe(1);
        error.ShouldContain("Stripe did not list the events: Stripe answered 401");
        (output + error).ShouldNotContain("rk_test_51");
    }

    [TestCase("--since", "2020-01-01", "Stripe keeps events for 30 days")]
    [TestCase("--since", "yesterday", "is not a date")]
    public async Task Reconcile_with_a_bad_since_exits_2_saying_why(string option, string value, string reason)
    {
        await using var api = new LoopbackEventsApi();

        var (exitCode, _, error) = await RunAsync(
            Environment(api, new() { ["ConnectionStrings__PaymentLinkLedger"] = SqliteConnectionString }), "reconcile", option, value);

        exitCode.ShouldBe(2);
        error.ShouldContain(reason);
        api.Server.Requests.ShouldBeEmpty();
    }

    [Test]
    public async Task Reconcile_with_a_ledger_that_cannot_be_reached_exits_1_without_the_password()
    {
        await using var api = new LoopbackEventsApi();

        var (exitCode, _, error) = await RunAsync(
            Environment(api, new()
            {
                ["PaymentLinkTracking__Ledger__Provider"] = "PostgreSql",
                ["ConnectionStrings__PaymentLinkLedger"] = "Host=127.0.0.1;Port=9;Username=ledger;Password=Secret-Pa55word;Timeout=3",
            }),
            "reconcile");

        exitCode.ShouldBe(1);
        error.ShouldContain("error: ");
        error.ShouldNotContain("Secret-Pa55word");
    }

    [Test]
    public async Task Link_still_runs_without_a_key_or_a_ledger_that_can_be_reached()
    {
        var (exitCode, output, error) = await RunAsync(
            new Dictionary<string, string>
            {
                ["PaymentLinkTracking__Ledger__Provider"] = "PostgreSql",
                ["ConnectionStrings__PaymentLinkLedger"] = "Host=127.0.0.1;Port=9;Username=ledger;Password=Secret-Pa55word",
            },
            "link",
            "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr",
            "--utm-source",
            "newsletter");

        exitCode.ShouldBe(0, error);
        output.ShouldContain("utm_source=newsletter");
    }

    /// <summary>Sessions 1..count, their events an hour ago, the newest two in one second.</summary>
    private static List<string> AddEvents(LoopbackEventsApi api, int count)
    {
        var newest = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        var sessions = new List<string>();
        for (var number = 1; number <= count; number++)
        {
            var session = SignedWebhooks.CompletedSession();
            var sessionId = string.Create(CultureInfo.InvariantCulture, $"cs_test_reconcile_{number:D4}");
            session["id"] = sessionId;
            api.Add(SignedWebhooks.Envelope(
                "checkout.session.completed",
                session,
                id: string.Create(CultureInfo.InvariantCulture, $"evt_reconcile_{number:D4}"),
                created: newest - Math.Max(0, count - 1 - number)));
            sessions.Add(sessionId);
        }

        return sessions;
    }

    private static Dictionary<string, string> Environment(LoopbackEventsApi api, Dictionary<string, string> ledger)
    {
        ledger["PaymentLinkTracking__StripeApiKey"] = ApiKey;
        ledger["PaymentLinkTracking__StripeApiBase"] = api.Server.ApiBase;
        return ledger;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var process = SampleProcess.Start(Console, arguments, environment);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return (exitCode, process.Output, process.Error);
    }
}
