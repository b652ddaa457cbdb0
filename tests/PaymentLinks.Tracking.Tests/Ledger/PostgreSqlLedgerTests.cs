using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NUnit.Framework;

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

    protected override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { SearchPath = _schema }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
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
