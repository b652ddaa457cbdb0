using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// What every concern of the ledger shares: the engine's dialect, the clock, which sessions the ledger fulfils, the
/// schema (applied once per process, or checked when migrations are applied by hand), and the units of work that the
/// concerns' statements run in.
/// </summary>
internal sealed class LedgerStore : IDisposable
{
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly bool _applyMigrations;
    private volatile bool _schemaApplied;

    public LedgerStore(LedgerDialect dialect, TimeProvider timeProvider, PaymentLinkLedgerSessions sessionsFulfilled, bool applyMigrations)
    {
        Dialect = dialect;
        TimeProvider = timeProvider;
        SessionsFulfilled = sessionsFulfilled;
        _applyMigrations = applyMigrations;
    }

    public LedgerDialect Dialect { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Which sessions the ledger fulfils, forwards and reports: those made by a payment link, or all.</summary>
    public PaymentLinkLedgerSessions SessionsFulfilled { get; }

    /// <summary>An open connection without a transaction, for reads.</summary>
    public Task<LedgerUnit> OpenAsync(CancellationToken cancellationToken) => LedgerUnit.OpenAsync(Dialect, cancellationToken);

    /// <summary>An open connection in a transaction that may write; commit it with <see cref="LedgerUnit.CommitAsync"/>.</summary>
    public async Task<LedgerUnit> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var unit = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await unit.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            return unit;
        }
        catch
        {
            await unit.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The <c>@all_sessions</c> parameter: 1 when every session counts, 0 when only those made by a payment link do.</summary>
    public void AddAllSessions(DbCommand command) =>
        LedgerDialect.AddParameter(command, "all_sessions", SessionsFulfilled == PaymentLinkLedgerSessions.All ? 1 : 0, DbType.Int32);

    /// <summary>Applies the schema once per process; a failure is retried by the next call.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaApplied)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaApplied)
            {
                if (_applyMigrations)
                {
                    await Dialect.ApplySchemaAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var schema = await ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
                    if (!schema.IsCurrent)
                    {
                        throw new InvalidOperationException(
                            $"The ledger's schema is not current: it lacks version{(schema.MissingVersions.Count == 1 ? string.Empty : "s")} " +
                            $"{string.Join(", ", schema.MissingVersions.Select(version => version.ToString("000", CultureInfo.InvariantCulture)))} " +
                            "and ApplyMigrations is off (PaymentLinkTracking:Ledger:ApplyMigrations). Apply them with the console's `migrate`, " +
                            "print them for a DBA with `migrate --script`, or turn ApplyMigrations on.");
                    }
                }

                _schemaApplied = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>The versions applied and required, and the script of those missing.</summary>
    public async Task<PaymentLinkLedgerSchema> ReadSchemaAsync(CancellationToken cancellationToken)
    {
        var applied = await Dialect.ReadAppliedVersionsAsync(cancellationToken).ConfigureAwait(false);
        var missing = Dialect.Scripts.Where(script => !applied.Contains(script.Version)).ToList();
        var script = new StringBuilder();
        if (missing.Count > 0)
        {
            script.Append(Dialect.ScriptPreamble);
            foreach (var (_, sql) in missing)
            {
                script.Append('\n').Append(sql.TrimEnd()).Append('\n');
            }
        }

        return new PaymentLinkLedgerSchema
        {
            AppliedVersions = [.. applied.Order()],
            RequiredVersions = [.. Dialect.Scripts.Select(script => script.Version)],
            MissingScript = script.ToString(),
        };
    }

    /// <summary>Applies the missing scripts now, whatever <c>ApplyMigrations</c> says, and reads the schema again.</summary>
    public async Task<PaymentLinkLedgerSchema> ApplyMigrationsAsync(CancellationToken cancellationToken)
    {
        await Dialect.ApplySchemaAsync(cancellationToken).ConfigureAwait(false);
        return await ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string? StringOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>An integer column or scalar as a <see cref="long"/>, 0 for <see langword="null"/>; engines differ in the type they return.</summary>
    public static long ToInt64(object? value) =>
        value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _schemaGate.Dispose();
        (Dialect as IDisposable)?.Dispose();
    }
}
