using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>The ledger contract on a real PostgreSQL server, each test in a schema of its own.</summary>
public sealed class PostgreSqlLedgerTests : LedgerContract
{
    private PostgreSqlServer _server = null!;
    private string _schema = null!;

    protected override void AddLedger(IServiceCollection services, Action<PaymentLinkLedgerOptions> tweak) =>
        services.AddPostgreSqlLedger(options =>
        {
            options.ConnectionString = _server.ConnectionString;
            options.Schema = _schema;
            tweak(options);
        });

    protected override Dictionary<string, string> HarnessEnvironment() => new()
    {
        ["LEDGER_PROVIDER"] = "PostgreSql",
        ["LEDGER_CONNECTION"] = _server.ConnectionString,
        ["LEDGER_SCHEMA"] = _schema,
    };

    protected override Task CreateDatabaseAsync()
    {
        _server = PostgreSqlServer.Require();
        _schema = PostgreSqlServer.NewSchema();
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync() => _server.DropSchemaAsync(_schema);

    protected override string IndexDefinitionSql(string index) =>
        $"SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '{index}'";

    protected override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { SearchPath = _schema }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    // Every column of every table in the test's schema, read as text.
    protected override async Task<IReadOnlyList<string>> PlacesContainingAsync(string needle)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { SearchPath = _schema }.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @schema", connection))
        {
            list.Parameters.AddWithValue("schema", _schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var places = new List<string>();
        foreach (var table in tables)
        {
            // The whole row as text (jsonb and every other type included).
            await using var select = new NpgsqlCommand($"SELECT t::text FROM \"{_schema}\".\"{table}\" t WHERE t::text ILIKE @pattern", connection);
            select.Parameters.AddWithValue("pattern", $"%{needle}%");
            if (await select.ExecuteScalarAsync() is not null)
            {
                places.Add(table);
            }
        }

        return places;
    }

    // A rebuild's fold deletes as many delta rows as it wrote; PostgreSQL keeps deleted rows in the table's pages until a
    // vacuum, and a report's scan of the delta rows read them all (240 ms after a 1,000,000-session rebuild). The rebuild
    // vacuums the table: nothing of it is left.
    [Test]
    public async Task A_rebuild_gives_back_the_room_of_the_delta_rows_it_folded()
    {
        var ledger = Instance().Ledger;
        for (var i = 0; i < 300; i++)
        {
            await ledger.RecordAsync(CheckoutEvents.ForNewSession().Completed());
        }

        (await ledger.RebuildReportAsync()).ShouldBe(300);

        (await ScalarAsync("SELECT COUNT(*) FROM payment_link_report_deltas")).ShouldBe(0L);
        (await ScalarAsync("SELECT pg_relation_size('payment_link_report_deltas')")).ShouldBe(0L);
    }

    // The server stops: every connection fails until it is started again.
    protected override Task<IAsyncDisposable> MakeUnavailableAsync()
    {
        if (!_server.IsThrowaway)
        {
            Assert.Ignore($"Stopping the server needs the throwaway one; {PostgreSqlServer.EnvironmentVariable} names another.");
        }

        _server.Stop();
        return Task.FromResult<IAsyncDisposable>(new Restart(_server));
    }

    private sealed class Restart(PostgreSqlServer server) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            server.Restart();
            return ValueTask.CompletedTask;
        }
    }
}
