using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>The console's sessions, erase and migrate, run as a user runs them over a real SQLite ledger.</summary>
public sealed class ConsoleAdminCommandsTests
{
    private DirectoryInfo _folder = null!;

    private string LedgerFile => Path.Combine(_folder.FullName, "ledger.db");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("paymentlinks-console-admin-");

    [TearDown]
    public void RemoveFolder()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private async Task<SampleProcess> RunAsync(params string[] args)
    {
        var sample = SampleProcess.Start("PaymentLinks.Tracking.Samples.Console", args, new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={LedgerFile}" });
        await sample.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return sample;
    }

    [Test]
    public async Task Sessions_list_shows_a_parked_session_with_its_error_retry_makes_it_due_and_erase_removes_the_email()
    {
        string sessionId;
        await using (var services = new ServiceCollection().AddSqliteLedger($"Data Source={LedgerFile}").BuildServiceProvider())
        {
            sessionId = await AspNetCore.AdminEndpointTests.ParkAsync(services, "System.TimeoutException: The warehouse did not answer.");
        }

        using var parked = await RunAsync("sessions", "list", "--state", "parked");
        parked.ExitCode.ShouldBe(0, parked.Error);
        parked.Output.ShouldContain($"{sessionId}  ");
        parked.Output.ShouldContain("tries 1  System.TimeoutException: The warehouse did not answer.");

        using var retry = await RunAsync("sessions", "retry", sessionId);
        retry.ExitCode.ShouldBe(0, retry.Error);
        (await RunAsync("sessions", "list", "--state", "pending")).Output.ShouldContain(sessionId);
        using var again = await RunAsync("sessions", "retry", sessionId);
        again.ExitCode.ShouldBe(1);
        again.Error.ShouldContain("no parked session");

        using var erase = await RunAsync("erase", "--email", SignedWebhooks.CustomerEmail);
        erase.ExitCode.ShouldBe(0, erase.Error);
        erase.Output.ShouldContain($"1 session erased: {sessionId}");
        await using var services2 = new ServiceCollection().AddSqliteLedger($"Data Source={LedgerFile}").BuildServiceProvider();
        (await services2.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(sessionId))!.CustomerEmail.ShouldBeNull();
    }

    [Test]
    public async Task Migrate_script_prints_what_is_missing_and_migrate_applies_it()
    {
        await using (var services = new ServiceCollection().AddSqliteLedger($"Data Source={LedgerFile}").BuildServiceProvider())
        {
            await services.GetRequiredService<IPaymentLinkAdmin>().ApplyMigrationsAsync();
        }

        await using (var connection = new SqliteConnection($"Data Source={LedgerFile}"))
        {
            await connection.OpenAsync();
            await using var behind = connection.CreateCommand();
            behind.CommandText = "DELETE FROM payment_link_schema_versions WHERE version = 7";
            await behind.ExecuteNonQueryAsync();
        }

        using var script = await RunAsync("migrate", "--script");
        script.ExitCode.ShouldBe(0, script.Error);
        script.Output.ShouldContain("CREATE TABLE IF NOT EXISTS payment_link_erasures");
        script.Output.ShouldNotContain("CREATE TABLE IF NOT EXISTS payment_link_visits");

        using var migrate = await RunAsync("migrate");
        migrate.ExitCode.ShouldBe(0, migrate.Error);
        migrate.Output.ShouldContain("Applied 007; the schema is current.");
        (await RunAsync("migrate", "--script")).Output.ShouldContain("The ledger's schema is current");
    }
}
