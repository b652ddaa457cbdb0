using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PaymentLinks.Tracking.Tests.Ledger;

namespace PaymentLinks.Tracking.Tests.CatchUp;

/// <summary>Catch-up into the ledger on a real PostgreSQL server, each test in a schema of its own.</summary>
public sealed class PostgreSqlLedgerCatchUpTests : LedgerCatchUpContract
{
    private PostgreSqlServer _server = null!;
    private string _schema = null!;

    protected override void AddLedger(IServiceCollection services) =>
        services.AddPostgreSqlLedger(options =>
        {
            options.ConnectionString = _server.ConnectionString;
            options.Schema = _schema;
        });

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SET search_path TO \"{_schema}\"; {sql}", connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override Task CreateDatabaseAsync()
    {
        _server = PostgreSqlServer.Require();
        _schema = PostgreSqlServer.NewSchema();
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync() => _server.DropSchemaAsync(_schema);
}
