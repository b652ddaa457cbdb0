using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PaymentLinks.Tracking.Sqlite;

/// <summary>
/// The ledger on one SQLite file in WAL mode: readers never wait, and writers take the file's single write lock at the
/// start of their transaction (<c>BEGIN IMMEDIATE</c>), waiting up to the busy timeout for one another.
/// </summary>
internal sealed partial class SqliteLedgerDialect : LedgerDialect
{
    private static readonly IReadOnlyList<(int Version, string Sql)> EmbeddedScripts = ReadScripts(typeof(SqliteLedgerDialect).Assembly);

    private readonly string _connectionString;
    private readonly string _busyTimeout;
    private readonly bool _inMemory;
    private readonly ILogger _logger;

    public SqliteLedgerDialect(SqliteLedgerOptions options, ILogger? logger = null)
    {
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        builder.DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        _connectionString = builder.ToString();
        _busyTimeout = ((long)options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        DataSource = builder.DataSource;
        _inMemory = builder.Mode == SqliteOpenMode.Memory || DataSource.StartsWith(':')
            || DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The database file, as the connection string names it.</summary>
    public string DataSource { get; }

    public override string SessionsTable => "payment_link_sessions";

    public override string EventsTable => "payment_link_events";

    public override string CatchUpTable => "payment_link_catch_up";

    public override string ClaimLock => string.Empty;

    // Unix milliseconds from SQLite's own clock (julianday('now') has millisecond precision).
    public override string Now => "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";

    public override string NowPlus(string milliseconds) => $"({Now} + {milliseconds})";

    public override DbType TimeType => DbType.Int64;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var busy = connection.CreateCommand();
            busy.CommandText = $"PRAGMA busy_timeout = {_busyTimeout}";
            await busy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override async Task ApplySchemaAsync(CancellationToken cancellationToken)
    {
        // A folder that is not there is a mistyped path or a missing volume, not a place for a new, empty ledger: SQLite
        // would create the file, and the records would seem gone. A new file in an existing folder is said in the log.
        string? created = null;
        if (!_inMemory && DataSource.Length > 0)
        {
            var path = Path.GetFullPath(DataSource);
            var folder = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                throw new DirectoryNotFoundException(
                    $"The SQLite ledger's folder {folder} does not exist: create it, or correct the Data Source of the ledger's connection string. " +
                    "A ledger is never started afresh in a folder that is not there.");
            }

            created = File.Exists(path) ? null : path;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = connection.CreateCommand())
        {
            // Kept in the file: every later connection uses the write-ahead log too.
            wal.CommandText = "PRAGMA journal_mode = WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (var versionsTable = connection.CreateCommand())
        {
            versionsTable.Transaction = transaction;
            versionsTable.CommandText =
                "CREATE TABLE IF NOT EXISTS payment_link_schema_versions (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
            await versionsTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = await ReadAppliedVersionsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        foreach (var (version, sql) in EmbeddedScripts)
        {
            if (applied.Contains(version))
            {
                continue;
            }

            await using var script = connection.CreateCommand();
            script.Transaction = transaction;
            script.CommandText = sql;
            await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (created is not null)
        {
            CreatedLedger(_logger, created);
        }
    }

    public override IReadOnlyList<(int Version, string Sql)> Scripts => EmbeddedScripts;

    public override async Task<HashSet<int>> ReadAppliedVersionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'payment_link_schema_versions'";
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return [];
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAppliedVersionsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
    }

    public override async Task PrepareErasureAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var secure = connection.CreateCommand();
        secure.CommandText = "PRAGMA secure_delete = ON";
        await secure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task AfterErasureAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Best effort: a reader still on an older snapshot keeps part of the log until the next checkpoint.
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override string JsonValue(string parameter) => parameter;

    public override object ToDbTime(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public override DateTimeOffset? ReadTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    [LoggerMessage(EventId = 27, EventName = "PaymentLinkLedgerCreated", Level = LogLevel.Information,
        Message = "Created a new ledger at {Path}.")]
    private static partial void CreatedLedger(ILogger logger, string path);
}
