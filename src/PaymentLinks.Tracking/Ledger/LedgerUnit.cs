using System.Data.Common;

namespace PaymentLinks.Tracking;

/// <summary>
/// One connection to the ledger, the transaction its statements run in (none for a plain read), and the dialect that
/// speaks the engine's SQL. A write that touches several concerns (a paid session: its row, its money, its outbox rows)
/// hands one unit to each of them and commits once, so that all of it is stored or none.
/// </summary>
internal sealed class LedgerUnit : IAsyncDisposable
{
    private LedgerUnit(LedgerDialect dialect, DbConnection connection)
    {
        Dialect = dialect;
        Connection = connection;
    }

    public LedgerDialect Dialect { get; }

    public DbConnection Connection { get; }

    /// <summary>The open transaction, or <see langword="null"/> when none is (a plain read, or after the commit).</summary>
    public DbTransaction? Transaction { get; private set; }

    /// <summary>An open connection, without a transaction; the caller disposes the unit.</summary>
    public static async Task<LedgerUnit> OpenAsync(LedgerDialect dialect, CancellationToken cancellationToken) =>
        new(dialect, await dialect.OpenAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Starts the transaction that may write (see <see cref="LedgerDialect.BeginWriteAsync"/>).</summary>
    public async Task BeginWriteAsync(CancellationToken cancellationToken) =>
        Transaction = await Dialect.BeginWriteAsync(Connection, cancellationToken).ConfigureAwait(false);

    /// <summary>Starts the transaction the campaign report reads in, if the engine wants one (see <see cref="LedgerDialect.BeginReportAsync"/>).</summary>
    public async Task BeginReportAsync(CancellationToken cancellationToken) =>
        Transaction = await Dialect.BeginReportAsync(Connection, cancellationToken).ConfigureAwait(false);

    /// <summary>A command on this unit's connection, in its transaction; the caller disposes it.</summary>
    public DbCommand Command(string sql)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        return command;
    }

    /// <summary>Commits the transaction and ends it; the connection stays open for what follows.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Transaction!.CommitAsync(cancellationToken).ConfigureAwait(false);
        await Transaction.DisposeAsync().ConfigureAwait(false);
        Transaction = null;
    }

    public Task RollbackAsync(CancellationToken cancellationToken) => Transaction!.RollbackAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null)
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
        }

        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
