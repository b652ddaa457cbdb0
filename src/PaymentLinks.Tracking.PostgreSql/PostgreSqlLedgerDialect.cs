using System.Data;
using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace PaymentLinks.Tracking.PostgreSql;

/// <summary>
/// The ledger on PostgreSQL through one <see cref="NpgsqlDataSource"/>: writes in read-committed transactions, claims
/// with <c>FOR UPDATE SKIP LOCKED</c> so that instances never wait for one another's leases, and the schema applied under
/// a transaction-scoped advisory lock.
/// </summary>
internal sealed class PostgreSqlLedgerDialect : LedgerDialect, IDisposable
{
    private static readonly IReadOnlyList<(int Version, string Sql)> EmbeddedScripts = ReadScripts(typeof(PostgreSqlLedgerDialect).Assembly);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;

    public PostgreSqlLedgerDialect(PostgreSqlLedgerOptions options)
    {
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString!);
        _schema = options.Schema;
        SessionsTable = $"\"{_schema}\".payment_link_sessions";
        EventsTable = $"\"{_schema}\".payment_link_events";
        CatchUpTable = $"\"{_schema}\".payment_link_catch_up";
    }

    public override string SessionsTable { get; }

    public override string EventsTable { get; }

    public override string CatchUpTable { get; }

    public override string ClaimLock => "FOR UPDATE SKIP LOCKED";

    public override string Table(string name) => $"\"{_schema}\".{name}";

    public override string OrdinalCollation => "COLLATE \"C\"";

    // The transaction's start on the server's clock: stable within a statement, so that an index serves the comparison.
    public override string Now => "now()";

    public override string NowPlus(string milliseconds) => $"(now() + {milliseconds} * interval '1 millisecond')";

    public override DbType TimeType => DbType.DateTimeOffset;

    // A transaction-scoped advisory lock in a key space of its own (the first key), the piece's hash the second.
    public override string? ReportPieceLockOf(string piece) => $"pg_advisory_xact_lock(1919250547, hashtext({piece}))";

    // Deleted rows stay in the table's pages until a vacuum: a scan of a table whose millions of rows a rebuild's fold
    // just deleted reads them all (a report's read of the delta rows took 240 ms on such a table, 0.02 ms after this).
    public override string? ReclaimAfterBulkDelete(string table) => $"VACUUM (ANALYZE) {table}";

    public override string ReportPieceLockOrder(string piece) => $"hashtext({piece}), {piece} {OrdinalCollation}";

    public override bool ConcurrentWriters => true;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    // The report's plan is large: its estimated cost passes the JIT thresholds from a few thousand sessions on, and
    // compiling its expressions took longer than the whole query without it (docs/benchmarks.md). Off for its
    // transaction only.
    public override async ValueTask<DbTransaction?> BeginReportAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var noJit = new NpgsqlCommand("SET LOCAL jit = off", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
            await noJit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async Task ApplySchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // One instance at a time per schema; the lock ends with the transaction, also when the process dies.
        await using (var prepare = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtext('PaymentLinks.Tracking ledger ' || @schema)); " +
            $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"; " +
            $"SET LOCAL search_path TO \"{_schema}\"; " +
            "CREATE TABLE IF NOT EXISTS payment_link_schema_versions (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)",
            connection,
            transaction))
        {
            prepare.Parameters.AddWithValue("schema", _schema);
            await prepare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = await ReadAppliedVersionsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        foreach (var (version, sql) in EmbeddedScripts)
        {
            if (!applied.Contains(version))
            {
                await using var script = new NpgsqlCommand(sql, connection, transaction);
                await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override IReadOnlyList<(int Version, string Sql)> Scripts => EmbeddedScripts;

    public override string ScriptPreamble =>
        $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\";\nSET search_path TO \"{_schema}\";\n";

    public override async Task<HashSet<int>> ReadAppliedVersionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection, transaction))
        {
            exists.Parameters.AddWithValue("table", $"\"{_schema}\".payment_link_schema_versions");
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return [];
            }
        }

        await using (var path = new NpgsqlCommand($"SET LOCAL search_path TO \"{_schema}\"", connection, transaction))
        {
            await path.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await ReadAppliedVersionsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
    }

    public override string JsonValue(string parameter) => $"CAST({parameter} AS jsonb)";

    public override object ToDbTime(DateTimeOffset time) => time.ToUniversalTime();

    public override DateTimeOffset? ReadTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public void Dispose() => _dataSource.Dispose();
}
