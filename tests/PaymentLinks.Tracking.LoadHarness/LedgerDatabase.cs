using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PaymentLinks.Tracking.Tests.Ledger;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>The engine a run uses: where its ledger lives, how the receiver is told, and how the harness reads it back.</summary>
internal enum Engine
{
    PostgreSql,
    Sqlite,
}

/// <summary>
/// One ledger for one run: a fresh schema on a PostgreSQL server (a given one, or the tests' throwaway server), or a
/// fresh SQLite file in a temporary folder.
/// </summary>
internal sealed class LedgerDatabase : IDisposable
{
    private readonly string? _folder;
    private readonly bool _kept;

    private LedgerDatabase(Engine engine, string connectionString, string? schema, string? folder, bool kept = false)
    {
        _kept = kept;
        Engine = engine;
        ConnectionString = connectionString;
        Schema = schema;
        _folder = folder;
    }

    public Engine Engine { get; }

    public string ConnectionString { get; }

    /// <summary>The PostgreSQL schema, or <see langword="null"/> on SQLite.</summary>
    public string? Schema { get; }

    public string SessionsTable => Schema is null ? "payment_link_sessions" : $"\"{Schema}\".payment_link_sessions";

    public string EventsTable => Schema is null ? "payment_link_events" : $"\"{Schema}\".payment_link_events";

    /// <summary>A table of the ledger, qualified with the schema on PostgreSQL.</summary>
    public string Table(string name) => Schema is null ? name : $"\"{Schema}\".{name}";

    /// <summary>A new ledger; on PostgreSQL without <paramref name="connectionString"/>, on the throwaway server.</summary>
    public static LedgerDatabase Create(Engine engine, string? connectionString, string name)
    {
        if (engine == Engine.Sqlite)
        {
            var folder = Directory.CreateTempSubdirectory("paymentlinks-load-").FullName;
            return new LedgerDatabase(engine, $"Data Source={Path.Combine(folder, "ledger.db")}", null, folder);
        }

        connectionString ??= PostgreSqlServer.Require().ConnectionString;
        return new LedgerDatabase(engine, connectionString, $"{name}_{Environment.ProcessId}_{DateTime.UtcNow:HHmmssfff}", null);
    }

    /// <summary>
    /// A ledger kept after the run, to be filled once and measured again: on PostgreSQL the schema
    /// <paramref name="name"/>, on SQLite the file <paramref name="name"/>. Neither is removed at the end.
    /// </summary>
    public static LedgerDatabase Keep(Engine engine, string? connectionString, string name) => engine == Engine.Sqlite
        ? new LedgerDatabase(engine, $"Data Source={Path.GetFullPath(name)}", null, null, kept: true)
        : new LedgerDatabase(engine, connectionString ?? PostgreSqlServer.Require().ConnectionString, name, null, kept: true);

    /// <summary>The receiver sample's configuration for this ledger, as environment variables.</summary>
    public IEnumerable<KeyValuePair<string, string>> ReceiverEnvironment()
    {
        yield return new("PaymentLinkTracking__Ledger__Provider", Engine == Engine.Sqlite ? "Sqlite" : "PostgreSql");
        yield return new("ConnectionStrings__PaymentLinkLedger", ConnectionString);
        if (Schema is not null)
        {
            yield return new("PaymentLinkTracking__Ledger__Schema", Schema);
        }
    }

    /// <summary>Registers the library's ledger on this database, as an application does.</summary>
    public IServiceCollection AddLedger(IServiceCollection services, bool runFulfillment = true) => Engine == Engine.Sqlite
        ? services.AddSqliteLedger(options =>
        {
            options.ConnectionString = ConnectionString;
            options.RunFulfillment = runFulfillment;
        })
        : services.AddPostgreSqlLedger(options =>
        {
            options.ConnectionString = ConnectionString;
            options.Schema = Schema!;
            options.RunFulfillment = runFulfillment;
        });

    public DbConnection Open()
    {
        DbConnection connection = Engine == Engine.Sqlite ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Every row of a query, each as its columns' values.</summary>
    public List<object?[]> Query(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 120;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public void Dispose()
    {
        if (Schema is not null && !_kept)
        {
            try
            {
                using var connection = Open();
                using var drop = connection.CreateCommand();
                drop.CommandText = $"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE";
                drop.ExecuteNonQuery();
            }
            catch (DbException)
            {
                // The server is gone already: the schema went with it.
            }
        }

        if (_folder is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the system's temporary-file cleanup.
            }
        }
    }
}
