using System.Data;
using System.Data.Common;
using System.Reflection;

namespace PaymentLinks.Tracking;

/// <summary>
/// What differs between the ledger's database engines: how to connect and open a write transaction, where the tables
/// live, how a time and a JSON value are stored, how a claim locks its row, and how the schema is applied.
/// </summary>
internal abstract class LedgerDialect
{
    /// <summary>The sessions table's name, qualified as the engine needs it.</summary>
    public abstract string SessionsTable { get; }

    /// <summary>The events table's name, qualified as the engine needs it.</summary>
    public abstract string EventsTable { get; }

    /// <summary>The catch-up table's name (its watermark and lease), qualified as the engine needs it.</summary>
    public abstract string CatchUpTable { get; }

    /// <summary>Appended to the claim's inner select so that concurrent claims skip a row another one holds.</summary>
    public abstract string ClaimLock { get; }

    /// <summary>A table of the ledger (e.g. <c>payment_link_visits</c>), qualified as the engine needs it.</summary>
    public virtual string Table(string name) => name;

    /// <summary>Appended to a text column in <c>ORDER BY</c> so that both engines sort text by its characters' codes.</summary>
    public virtual string OrdinalCollation => string.Empty;

    /// <summary>
    /// The database's clock, as a SQL expression of the stored time type. Leases and due times are set and compared on
    /// it, never on an instance's own clock, so that instances whose clocks differ still agree on who holds a lease.
    /// </summary>
    public abstract string Now { get; }

    /// <summary>
    /// Whether the engine has piece locks (<see cref="ReportPieceLockOf"/>), so that two folds working out one piece of the
    /// report's aggregates take turns; <see langword="false"/> when the engine has one writer at a time anyway.
    /// </summary>
    public bool LocksReportPieces => ReportPieceLockOf("@piece") is not null;

    /// <summary>
    /// The expression that holds the lock of the piece named by the text <paramref name="piece"/> until the transaction
    /// ends (see <see cref="LocksReportPieces"/>); <see langword="null"/> (the default) when the engine has one writer at a time.
    /// </summary>
    public virtual string? ReportPieceLockOf(string piece) => null;

    /// <summary>
    /// The statement, run outside any transaction, that gives back to the table <paramref name="table"/> the room of the
    /// rows deleted from it and brings its statistics up to date, after a bulk change deleted most of them (a rebuild's
    /// fold of the report's delta rows); <see langword="null"/> (the default) when the engine needs none.
    /// </summary>
    public virtual string? ReclaimAfterBulkDelete(string table) => null;

    /// <summary>
    /// The order in which a transaction takes several pieces' locks (the order of the locks' own keys, so that two
    /// transactions whose pieces' keys collide still take them in one order).
    /// </summary>
    public virtual string ReportPieceLockOrder(string piece) => piece;

    /// <summary>
    /// Whether several transactions write at once (PostgreSQL), so that the fold of the report's delta rows takes only
    /// the rows it can lock and leaves the others to their writers.
    /// </summary>
    public virtual bool ConcurrentWriters => false;

    /// <summary>The database's clock plus the milliseconds in the <see cref="DbType.Int64"/> parameter <paramref name="milliseconds"/>.</summary>
    public abstract string NowPlus(string milliseconds);

    /// <summary>How a time is passed and stored.</summary>
    public abstract DbType TimeType { get; }

    /// <summary>An open connection; the caller disposes it.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that may write, started so that concurrent writers wait for each other rather than fail.</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// The transaction the campaign report reads in, set up for a large read; <see langword="null"/> (the default) for
    /// none, the report's one statement then being its own.
    /// </summary>
    public virtual ValueTask<DbTransaction?> BeginReportAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction?>(null);

    /// <summary>Creates or upgrades the schema to the newest script, safely when several instances do it at once.</summary>
    public abstract Task ApplySchemaAsync(CancellationToken cancellationToken);

    /// <summary>The numbered scripts this engine's schema is made of, in order.</summary>
    public abstract IReadOnlyList<(int Version, string Sql)> Scripts { get; }

    /// <summary>What a DBA runs before the scripts by hand (PostgreSQL: the schema and the search path); empty for none.</summary>
    public virtual string ScriptPreamble => string.Empty;

    /// <summary>The versions the database records as applied, without changing anything; empty before any.</summary>
    public abstract Task<HashSet<int>> ReadAppliedVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Prepares a connection that erases personal data (SQLite: deleted text is overwritten, not left in free pages).</summary>
    public virtual Task PrepareErasureAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after an erasure committed (SQLite: the write-ahead log, which still holds the old pages, is checkpointed).</summary>
    public virtual Task AfterErasureAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The SQL that turns the text parameter <paramref name="parameter"/> into the metadata column's type.</summary>
    public abstract string JsonValue(string parameter);

    /// <summary>A time as the engine stores it.</summary>
    public abstract object ToDbTime(DateTimeOffset time);

    /// <summary>A stored time, or <see langword="null"/>.</summary>
    public abstract DateTimeOffset? ReadTime(DbDataReader reader, int ordinal);

    /// <summary>The numbered scripts embedded in <paramref name="assembly"/> under <c>Scripts/</c>, in order.</summary>
    public static IReadOnlyList<(int Version, string Sql)> ReadScripts(Assembly assembly)
    {
        var scripts = new List<(int Version, string Sql)>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            // Embedded as "<root namespace>.Scripts.<number>_<name>.sql".
            var marker = name.IndexOf(".Scripts.", StringComparison.Ordinal);
            if (marker < 0 || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = name[(marker + ".Scripts.".Length)..];
            var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, reader.ReadToEnd()));
        }

        scripts.Sort((left, right) => left.Version.CompareTo(right.Version));
        return scripts;
    }

    /// <summary>
    /// The versions the schema table records (in the engine's schema, as the open transaction sees it). A script is applied when its own version is missing, not only when it is
    /// newer than the newest applied, so that a script added between two applied ones is still applied.
    /// </summary>
    public static async Task<HashSet<int>> ReadAppliedVersionsAsync(
        DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version FROM payment_link_schema_versions";
        var versions = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return versions;
    }

    public static void AddParameter(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>A duration as whole milliseconds, for <see cref="NowPlus"/>.</summary>
    public static void AddMilliseconds(DbCommand command, string name, TimeSpan? duration) =>
        AddParameter(command, name, duration is { } value ? (long)value.TotalMilliseconds : null, DbType.Int64);

    public void AddTime(DbCommand command, string name, DateTimeOffset? time) =>
        AddParameter(command, name, time is { } value ? ToDbTime(value) : null, TimeType);
}
