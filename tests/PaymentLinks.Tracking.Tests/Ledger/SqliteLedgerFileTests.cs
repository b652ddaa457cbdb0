using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.DependencyInjection;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>Where the SQLite ledger's file goes: never into a folder that is not there, and a new file is said.</summary>
public sealed class SqliteLedgerFileTests
{
    private DirectoryInfo _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("paymentlinks-sqlite-file-");

    [TearDown]
    public void RemoveFolder()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private static IHost Host(string dataSource, CapturedLogs logs) =>
        TrackingHost.Build(
            services => services.AddPaymentLinkTracking(_ => { }).AddSqliteLedger(options =>
            {
                options.ConnectionString = $"Data Source={dataSource}";
                options.RunFulfillment = false;
            }),
            logs);

    [Test]
    public async Task A_data_source_in_a_folder_that_does_not_exist_stops_the_host_naming_the_folder_and_creates_nothing()
    {
        var missing = Path.Combine(_folder.FullName, "ledgers", "2026");
        using var host = Host(Path.Combine(missing, "paymentlinks-ledger.db"), new CapturedLogs());

        var failure = await Should.ThrowAsync<DirectoryNotFoundException>(() => host.StartAsync());

        failure.Message.ShouldStartWith($"The SQLite ledger's folder {missing} does not exist");
        Directory.Exists(Path.Combine(_folder.FullName, "ledgers")).ShouldBeFalse();
    }

    [Test]
    public async Task A_new_file_is_logged_with_its_path_and_an_existing_one_is_not()
    {
        var path = Path.Combine(_folder.FullName, "paymentlinks-ledger.db");
        var first = new CapturedLogs();
        using (var host = Host(path, first))
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        var second = new CapturedLogs();
        using (var host = Host(path, second))
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        first.Entries.Where(entry => entry.EventId.Name == "PaymentLinkLedgerCreated").ShouldHaveSingleItem()
            .Message.ShouldBe($"Created a new ledger at {path}.");
        second.Entries.ShouldNotContain(entry => entry.EventId.Name == "PaymentLinkLedgerCreated");
        File.Exists(path).ShouldBeTrue();
    }
}
