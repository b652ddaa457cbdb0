using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>The ledger contract on a real SQLite file in a temporary folder.</summary>
public sealed class SqliteLedgerTests : LedgerContract
{
    private string _folder = null!;

    internal string DatabasePath => Path.Combine(_folder, "ledger.db");

    protected override void AddLedger(IServiceCollection services, Action<PaymentLinkLedgerOptions> tweak) =>
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={DatabasePath}";
            tweak(options);
        });

    protected override Dictionary<string, string> HarnessEnvironment() => new()
    {
        ["LEDGER_PROVIDER"] = "Sqlite",
        ["LEDGER_CONNECTION"] = $"Data Source={DatabasePath}",
    };

    protected override Task CreateDatabaseAsync()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-sqlite-").FullName;
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    protected override string IndexDefinitionSql(string index) => $"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '{index}'";

    protected override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    // Every column of every table, read as text; then the file and its log byte by byte, where deleted text would linger.
    protected override async Task<IReadOnlyList<string>> PlacesContainingAsync(string needle)
    {
        var places = new List<string>();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                await using var select = connection.CreateCommand();
                select.CommandText = $"SELECT * FROM \"{table}\"";
                await using var rows = await select.ExecuteReaderAsync();
                while (await rows.ReadAsync())
                {
                    for (var column = 0; column < rows.FieldCount; column++)
                    {
                        if (!rows.IsDBNull(column) && Convert.ToString(rows.GetValue(column), System.Globalization.CultureInfo.InvariantCulture)!.Contains(needle, StringComparison.OrdinalIgnoreCase))
                        {
                            places.Add($"{table}.{rows.GetName(column)}");
                        }
                    }
                }
            }
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_folder))
        {
            var bytes = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
            if (bytes.Contains(needle, StringComparison.OrdinalIgnoreCase))
            {
                places.Add($"the bytes of {Path.GetFileName(file)}");
            }
        }

        return places;
    }

    // The file's folder moves away: every open fails until it is back.
    protected override Task<IAsyncDisposable> MakeUnavailableAsync()
    {
        SqliteConnection.ClearAllPools();
        var away = _folder + "-away";
        Directory.Move(_folder, away);
        return Task.FromResult<IAsyncDisposable>(new Restore(() =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Move(away, _folder);
        }));
    }

    private sealed class Restore(Action restore) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            restore();
            return ValueTask.CompletedTask;
        }
    }
}
