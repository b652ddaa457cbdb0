using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentLinks.Tracking.Tests.CatchUp;

/// <summary>Catch-up into the ledger on a real SQLite file in a temporary folder.</summary>
public sealed class SqliteLedgerCatchUpTests : LedgerCatchUpContract
{
    private string _folder = null!;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "ledger.db")}";

    protected override void AddLedger(IServiceCollection services) => services.AddSqliteLedger(ConnectionString);

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override Task CreateDatabaseAsync()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-catchup-").FullName;
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
