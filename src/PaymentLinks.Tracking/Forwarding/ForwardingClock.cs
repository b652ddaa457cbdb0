using System.Data;

namespace PaymentLinks.Tracking;

/// <summary>
/// The database's clock in the outbox's SQL, so that leases and due times mean the same on every instance whatever
/// their own clocks say: SQLite's in Unix milliseconds, PostgreSQL's as <c>timestamptz</c>.
/// </summary>
internal static class ForwardingClock
{
    private const string SqliteNow = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";

    /// <summary>The SQL for the database's current time, as the engine stores times.</summary>
    public static string Now(LedgerDialect dialect) => IsUnixMilliseconds(dialect) ? SqliteNow : "clock_timestamp()";

    /// <summary>The SQL for the database's current time plus the milliseconds in the parameter <paramref name="milliseconds"/>.</summary>
    public static string NowPlus(LedgerDialect dialect, string milliseconds) => IsUnixMilliseconds(dialect)
        ? $"({SqliteNow} + {milliseconds})"
        : $"(clock_timestamp() + CAST({milliseconds} AS double precision) * interval '1 millisecond')";

    private static bool IsUnixMilliseconds(LedgerDialect dialect) => dialect.TimeType == DbType.Int64;
}
