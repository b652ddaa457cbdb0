using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// The campaign report's aggregates, kept on write. Each fact the report reads belongs to one piece (a session, a
/// renewal, a charge's refunds, a dispute). A write that changes a piece inserts a mark in its own transaction (see
/// <see cref="MarkEventAsync"/>); a fold (<see cref="WorkOutMarksAsync"/>: the report worker, and every report before it
/// reads) takes the marks, works their pieces' rows out again from the ledger and inserts the difference as delta rows,
/// keyed by hour (UTC), campaign, currency, mode and attribution model. Writers only insert, so no row is shared by them
/// all; <see cref="FoldAsync"/> moves the delta rows, in batches, into hourly and daily sums. The report reads the sums
/// for whole days and hours, the delta rows not folded yet, and the ledger's rows (the scan,
/// <see cref="AttributionLedger.ReportAsync(DateTimeOffset?, DateTimeOffset?, PaymentLinkMode, AttributionModel, bool, CancellationToken)"/>)
/// only for a partial first or last hour.
/// </summary>
/// <remarks>
/// A piece's rows are a function of the ledger alone, so working one out again is harmless: a redelivery adds nothing,
/// and <see cref="RebuildAsync"/> can work every piece out again while writes go on. A mark's pieces are found and read
/// after the write that made it committed, so two writes recorded at the same moment are seen together by one fold or
/// the other. On PostgreSQL two folds of one piece take turns on a transaction-scoped lock of the piece.
/// </remarks>
internal sealed class ReportAggregates(LedgerStore store, AttributionLedger attribution)
{
    /// <summary>
    /// The model key of the rows of a piece whose session names no click the ledger knows: every model's answer, the one
    /// campaign the session's visit, key or link names (or its subscription's). A piece whose session names a known click
    /// has rows under each model's name (<see cref="AttributionModelNames"/>) instead.
    /// </summary>
    internal const string AnyModel = "any";

    private static readonly AttributionModel[] Models = Enum.GetValues<AttributionModel>();

    /// <summary>How many delta rows one fold transaction moves.</summary>
    internal const int FoldBatch = 10_000;

    private const long HourMilliseconds = 3_600_000;

    // Far enough out that no stored hour is beyond them, near enough that no arithmetic on them overflows.
    private const long NoHourBefore = -(1L << 40);
    private const long NoHourAfter = 1L << 40;

    private readonly LedgerDialect _dialect = store.Dialect;
    private readonly AggregateStatements _sql = new(store.Dialect);
    private volatile bool _built;

    /// <summary>The measures of a row, in the tables' column order.</summary>
    internal static readonly string[] MeasureColumns =
        ["sessions", "paid", "visits", "by_visit", "by_reference", "by_link", "gross", "tax", "renewals", "renewal_revenue", "refunded", "disputed"];

    private static readonly string[] KeyColumns = ["model", "livemode", "linked", "currency", "utm_source", "utm_medium", "utm_campaign"];

    private enum Measure
    {
        Sessions,
        Paid,
        Visits,
        ByVisit,
        ByReference,
        ByLink,
        Gross,
        Tax,
        Renewals,
        RenewalRevenue,
        Refunded,
        Disputed,
    }

    /// <summary>
    /// Called when the fold has read a batch of pieces (their facts and touches) and before it writes their rows, in its
    /// transaction: the tests hold a fold there to show what writers meanwhile do.
    /// </summary>
    internal Func<CancellationToken, Task>? AfterPiecesRead { get; set; }

    /// <summary>Called after a mark is inserted (before its transaction commits): wakes the worker that works marks out.</summary>
    internal Action? Marked { get; set; }

    /// <summary>
    /// How many marks a fold takes in one transaction: 1,000 on PostgreSQL; 200 on SQLite, where the fold holds the one
    /// write lock and writers wait for it, so that each wait stays short (about a tenth of a second).
    /// </summary>
    private int MarkBatch => _dialect.ConcurrentWriters ? 1_000 : 200;

    /// <summary>In an event's <paramref name="unit"/>: marks the piece the event may have changed (a session with its money, a charge, a dispute, an invoice with its money).</summary>
    public Task MarkEventAsync(LedgerUnit unit, PaymentLinkEvent paymentLinkEvent, CancellationToken cancellationToken)
    {
        var mark = paymentLinkEvent switch
        {
            { IsCheckoutKind: true, Checkout: { } checkout } => "s:" + checkout.SessionId,
            { Kind: PaymentLinkEventKind.ChargeRefunded, Charge: { } charge } => "c:" + charge.ChargeId,
            { Kind: PaymentLinkEventKind.RefundUpdated, Refund: { ChargeId: { } chargeId, Status: "failed" or "canceled" } } => "c:" + chargeId,
            { Kind: PaymentLinkEventKind.DisputeCreated or PaymentLinkEventKind.DisputeClosed, Dispute: { } dispute } => "d:" + dispute.DisputeId,
            { Kind: PaymentLinkEventKind.InvoicePaid or PaymentLinkEventKind.InvoicePaymentPaid, Invoice: { } invoice } => "i:" + invoice.InvoiceId,
            _ => null,
        };
        return mark is null ? Task.CompletedTask : MarkAsync(unit, [mark], cancellationToken);
    }

    /// <summary>In a visit's <paramref name="unit"/>: the session's campaign may have changed, and with it all its money's.</summary>
    public Task MarkSessionAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken) =>
        MarkAsync(unit, ["s:" + sessionId], cancellationToken);

    /// <summary>In the <paramref name="unit"/> that registered a campaign key: the sessions and renewals that name it, found when the mark is worked out.</summary>
    public Task MarkCampaignKeyAsync(LedgerUnit unit, string campaignKey, CancellationToken cancellationToken) =>
        MarkAsync(unit, ["K:" + campaignKey], cancellationToken);

    /// <summary>
    /// In the <paramref name="unit"/> that wrote <paramref name="clickIds"/>: a click written after its session (the queued
    /// writer writes in batches, so a webhook may come first), or older than clicks written before it, changes the touches
    /// of its visitor's sessions. Each click is marked; working the mark out finds the sessions that name a click of its
    /// visitor then, after the click is committed, so that a session recorded at the same moment is never missed.
    /// </summary>
    public Task MarkClicksAsync(LedgerUnit unit, IReadOnlyList<string> clickIds, CancellationToken cancellationToken) =>
        MarkAsync(unit, [.. clickIds.Distinct(StringComparer.Ordinal).Select(clickId => "k:" + clickId)], cancellationToken);

    /// <summary>Marks sessions, with their money (after their touches changed: clicks erased).</summary>
    public Task MarkSessionsAsync(LedgerUnit unit, IEnumerable<string> sessionIds, CancellationToken cancellationToken) =>
        MarkAsync(unit, [.. sessionIds.Distinct(StringComparer.Ordinal).Select(sessionId => "s:" + sessionId)], cancellationToken);

    /// <summary>The sessions that name a click of <paramref name="visitorId"/>: those whose touches its clicks are.</summary>
    public async Task<List<string>> SessionsOfVisitorAsync(LedgerUnit unit, string visitorId, CancellationToken cancellationToken) =>
        await SessionsNamingAsync(
            unit, await ReadTextsAsync(unit, _sql.ClicksOfVisitor, "visitor_id", visitorId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The sessions that name one of <paramref name="clickIds"/> (found through the index of schema version 17, by a
    /// list of values, which both engines look up in an index on an expression).
    /// </summary>
    public async Task<List<string>> SessionsNamingAsync(LedgerUnit unit, IReadOnlyCollection<string> clickIds, CancellationToken cancellationToken)
    {
        var sessions = new List<string>();
        foreach (var chunk in clickIds.Distinct(StringComparer.Ordinal).Chunk(InListChunk))
        {
            sessions.AddRange(await ReadTextsAsync(unit, _sql.SessionsNaming(chunk.Length), "n", chunk, cancellationToken).ConfigureAwait(false));
        }

        return sessions;
    }

    /// <summary>How many values one IN list of the marks' lookups carries.</summary>
    private const int InListChunk = 500;

    /// <summary>The first column of <paramref name="sql"/>'s rows, its one parameter <paramref name="name"/>.</summary>
    private static async Task<List<string>> ReadTextsAsync(LedgerUnit unit, string sql, string name, string value, CancellationToken cancellationToken)
    {
        await using var command = unit.Command(sql);
        LedgerDialect.AddParameter(command, name, value, DbType.String);
        return await ReadTextsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first column of <paramref name="sql"/>'s rows, its parameters <paramref name="prefix"/>_0, _1, ...</summary>
    private static async Task<List<string>> ReadTextsAsync(LedgerUnit unit, string sql, string prefix, string[] values, CancellationToken cancellationToken)
    {
        await using var command = unit.Command(sql);
        for (var i = 0; i < values.Length; i++)
        {
            LedgerDialect.AddParameter(command, prefix + "_" + i.ToString(CultureInfo.InvariantCulture), values[i], DbType.String);
        }

        return await ReadTextsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<string>> ReadTextsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var texts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            texts.Add(reader.GetString(0));
        }

        return texts;
    }

    /// <summary>
    /// Inserts <paramref name="marks"/> in the writer's <paramref name="unit"/>: a row each, which no other writer shares,
    /// so writers never wait on each other or on the fold. A mark is committed or rolled back with the write it marks.
    /// </summary>
    private async Task MarkAsync(LedgerUnit unit, string[] marks, CancellationToken cancellationToken)
    {
        foreach (var chunk in marks.Chunk(InListChunk))
        {
            await using var insert = unit.Command(_sql.InsertMarks(chunk.Length));
            for (var i = 0; i < chunk.Length; i++)
            {
                LedgerDialect.AddParameter(insert, "m_" + i.ToString(CultureInfo.InvariantCulture), chunk[i], DbType.String);
            }

            if (chunk.Length == 1)
            {
                await PrepareAsync(insert, cancellationToken).ConfigureAwait(false);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (marks.Length > 0)
        {
            Marked?.Invoke();
        }
    }

    /// <summary>
    /// Works the marks out: <see cref="MarkBatch"/> marks a transaction, each batch's pieces worked out again (their
    /// facts read after the marks were taken, so after the writes that made them) and the marks deleted in the same
    /// transaction, so that a fold cut off leaves its marks for the next. With <paramref name="through"/>, only the marks
    /// up to that id and, on PostgreSQL, waiting for those another fold holds (the report's drain: every mark committed
    /// before it started is worked out when it reads); without, every mark no other fold holds. The number of marks.
    /// </summary>
    public async Task<long> WorkOutMarksAsync(long? through, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        long total = 0;
        while (true)
        {
            await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            var marks = await TakeMarksAsync(unit, through, cancellationToken).ConfigureAwait(false);
            if (marks.Count > 0)
            {
                await RefreshAsync(unit, await PiecesOfMarksAsync(unit, marks, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }

            await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
            total += marks.Count;
            if (marks.Count < MarkBatch)
            {
                return total;
            }
        }
    }

    /// <summary>The id of the last mark committed, or <see langword="null"/> when none waits.</summary>
    private async Task<long?> LastMarkAsync(CancellationToken cancellationToken)
    {
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var read = unit.Command(_sql.LastMark);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } last and not DBNull ? LedgerStore.ToInt64(last) : null;
    }

    /// <summary>Takes (deletes, in the fold's transaction) up to a batch of marks, the oldest first.</summary>
    private async Task<List<string>> TakeMarksAsync(LedgerUnit unit, long? through, CancellationToken cancellationToken)
    {
        var marks = new List<string>();
        if (_dialect.ConcurrentWriters)
        {
            await using var take = unit.Command(through is null ? _sql.TakeMarksUnlocked : _sql.TakeMarksThrough);
            LedgerDialect.AddParameter(take, "batch", MarkBatch, DbType.Int64);
            LedgerDialect.AddParameter(take, "through", through ?? long.MaxValue, DbType.Int64);
            await using var reader = await take.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                marks.Add(reader.GetString(0));
            }

            return marks;
        }

        // One writer at a time (SQLite): the batch read, then deleted through its last id.
        long last = 0;
        await using (var read = unit.Command(_sql.ReadMarks))
        {
            LedgerDialect.AddParameter(read, "batch", MarkBatch, DbType.Int64);
            LedgerDialect.AddParameter(read, "through", through ?? long.MaxValue, DbType.Int64);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                last = LedgerStore.ToInt64(reader.GetValue(0));
                marks.Add(reader.GetString(1));
            }
        }

        if (marks.Count > 0)
        {
            await using var delete = unit.Command(_sql.DeleteMarksThrough);
            LedgerDialect.AddParameter(delete, "last", last, DbType.Int64);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return marks;
    }

    /// <summary>
    /// The pieces <paramref name="marks"/> stand for, found now: a session's own piece and the money it owns (its renewals,
    /// its charges' refunds, its disputes); an invoice's renewal and the refunds and disputes of its payments; a charge or
    /// a dispute itself; the sessions (with their money) that name a click of a marked click's visitor; the sessions and
    /// invoices (with their money) that name a marked campaign key.
    /// </summary>
    private async Task<SortedSet<string>> PiecesOfMarksAsync(LedgerUnit unit, List<string> marks, CancellationToken cancellationToken)
    {
        var pieces = new SortedSet<string>(StringComparer.Ordinal);
        var sessions = new SortedSet<string>(StringComparer.Ordinal);
        var invoices = new SortedSet<string>(StringComparer.Ordinal);
        var clicks = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var mark in marks)
        {
            var id = mark[2..];
            switch (mark[0])
            {
                case 's':
                    sessions.Add(id);
                    break;
                case 'i':
                    invoices.Add(id);
                    break;
                case 'k':
                    clicks.Add(id);
                    break;
                case 'K':
                    sessions.UnionWith(await ReadTextsAsync(unit, _sql.SessionsOfKey, "campaign_key", id, cancellationToken).ConfigureAwait(false));
                    invoices.UnionWith(await ReadTextsAsync(unit, _sql.InvoicesOfKey, "campaign_key", id, cancellationToken).ConfigureAwait(false));
                    break;
                default:
                    pieces.Add(mark);
                    break;
            }
        }

        if (clicks.Count > 0)
        {
            var visitorsClicks = new List<string>();
            foreach (var chunk in clicks.Chunk(InListChunk))
            {
                visitorsClicks.AddRange(await ReadTextsAsync(unit, _sql.ClicksOfVisitorsOf(chunk.Length), "k", chunk, cancellationToken).ConfigureAwait(false));
            }

            sessions.UnionWith(await SessionsNamingAsync(unit, visitorsClicks, cancellationToken).ConfigureAwait(false));
        }

        foreach (var chunk in sessions.Chunk(InListChunk))
        {
            pieces.UnionWith(chunk.Select(sessionId => "s:" + sessionId));
            pieces.UnionWith(await ReadTextsAsync(unit, _sql.PiecesOfSessions(chunk.Length), "e", chunk, cancellationToken).ConfigureAwait(false));
        }

        foreach (var chunk in invoices.Chunk(InListChunk))
        {
            pieces.UnionWith(chunk.Select(invoiceId => "i:" + invoiceId));
            pieces.UnionWith(await ReadTextsAsync(unit, _sql.PiecesOfInvoices(chunk.Length), "f", chunk, cancellationToken).ConfigureAwait(false));
        }

        return pieces;
    }

    /// <summary>
    /// Works each piece out again and, where its rows changed, keeps the new rows and inserts their difference from the
    /// old ones as delta rows. The pieces are read in one round trip (locked first, in one order, so that two folds take
    /// turns on a piece they share; then their facts, a statement a kind for all of its pieces; then their kept rows),
    /// and all the changes written in one more.
    /// </summary>
    internal async Task RefreshAsync(LedgerUnit unit, IEnumerable<string> pieces, CancellationToken cancellationToken)
    {
        // On PostgreSQL all the pieces in one read (one round trip); on SQLite, which runs in the process and looks each
        // parameter up by name among the statement's, a read every 50 pieces, so that the lookups stay few.
        var changes = new List<PieceChange>();
        var sorted = pieces.Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var part in sorted.Chunk(_dialect.ConcurrentWriters ? Math.Max(sorted.Count, 1) : 50))
        {
            var (facts, stored) = await ReadPiecesAsync(unit, [.. part], cancellationToken).ConfigureAwait(false);
            var touches = await ReadTouchesAsync(unit, facts.Values, cancellationToken).ConfigureAwait(false);
            if (AfterPiecesRead is { } hold)
            {
                await hold(cancellationToken).ConfigureAwait(false);
            }

            foreach (var piece in part)
            {
                AddChange(changes, piece, Compute(facts.GetValueOrDefault(piece), touches), stored.GetValueOrDefault(piece) ?? []);
            }
        }

        await WriteChangesAsync(unit, changes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The facts and kept rows of <paramref name="pieces"/> (in order, without repeats), each keyed by its piece.</summary>
    private async Task<(Dictionary<string, PieceFacts> Facts, Dictionary<string, Dictionary<RowKey, long[]>> Stored)> ReadPiecesAsync(
        LedgerUnit unit, List<string> pieces, CancellationToken cancellationToken)
    {
        var kinds = pieces.GroupBy(piece => piece[0]).Select(kind => (Kind: kind.Key, Ids: kind.Select(piece => piece[2..]).ToList())).ToList();
        var sql = new StringBuilder();
        await using var read = unit.Command(string.Empty);
        for (var i = 0; i < pieces.Count; i++)
        {
            LedgerDialect.AddParameter(read, "piece_" + i.ToString(CultureInfo.InvariantCulture), pieces[i], DbType.String);
        }

        foreach (var (kind, ids) in kinds)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                LedgerDialect.AddParameter(read, kind + "_" + i.ToString(CultureInfo.InvariantCulture), ids[i], DbType.String);
            }
        }

        if (_dialect.LocksReportPieces)
        {
            sql.Append(_sql.LockPieces(pieces.Count)).Append(';');
        }

        foreach (var (kind, ids) in kinds)
        {
            sql.Append(_sql.FactsOf(kind, ids.Count)).Append(';');
        }

        sql.Append(_sql.ReadPiecesRows(pieces.Count));
        read.CommandText = sql.ToString();

        // A small fold's few pieces are prepared (a handful of shapes); a rebuild's large pages are not.
        if (pieces.Count <= 4)
        {
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
        }

        var facts = new Dictionary<string, PieceFacts>(StringComparer.Ordinal);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (_dialect.LocksReportPieces)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (kind, _) in kinds)
        {
            foreach (var (id, fact) in await ReadFactsAsync(reader, kind, cancellationToken).ConfigureAwait(false))
            {
                facts[kind + ":" + id] = fact;
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        return (facts, await ReadStoredRowsAsync(reader, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A piece's change: its new rows, whether it had rows kept, and the delta rows from the kept ones.</summary>
    private sealed record PieceChange(string Piece, Dictionary<RowKey, long[]> Fresh, bool HadRows, List<(RowKey Key, long[] Values)> Deltas);

    /// <summary>Adds a piece's change to <paramref name="changes"/>; nothing when its new rows are the same as its kept ones.</summary>
    private static void AddChange(List<PieceChange> changes, string piece, Dictionary<RowKey, long[]> fresh, Dictionary<RowKey, long[]> stored)
    {
        if (Same(fresh, stored))
        {
            return;
        }

        var deltas = new List<(RowKey, long[])>();
        foreach (var key in fresh.Keys.Union(stored.Keys))
        {
            var difference = new long[MeasureColumns.Length];
            var changed = false;
            for (var i = 0; i < difference.Length; i++)
            {
                difference[i] = (fresh.TryGetValue(key, out var now) ? now[i] : 0) - (stored.TryGetValue(key, out var before) ? before[i] : 0);
                changed |= difference[i] != 0;
            }

            if (changed)
            {
                deltas.Add((key, difference));
            }
        }

        changes.Add(new PieceChange(piece, fresh, stored.Count > 0, deltas));
    }

    /// <summary>
    /// Keeps the changed pieces' new rows and inserts the delta rows, in one round trip: the old rows deleted in one
    /// statement, the new rows and the delta rows each inserted many to a statement. Nothing when nothing changed.
    /// </summary>
    private async Task WriteChangesAsync(LedgerUnit unit, List<PieceChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        // One command of several statements on PostgreSQL (one round trip); on SQLite, which runs in the process, a
        // command a statement, so that each binds only its own parameters.
        var write = new StatementWriter(unit, oneCommand: _dialect.ConcurrentWriters);
        await using var _ = write.ConfigureAwait(false);
        var replaced = changes.Where(change => change.HadRows).Select(change => change.Piece).ToList();
        for (var from = 0; from < replaced.Count; from += RowsAStatement)
        {
            var count = Math.Min(RowsAStatement, replaced.Count - from);
            var delete = write.Next(_sql.DeletePiecesRows(from, count));
            for (var i = from; i < from + count; i++)
            {
                LedgerDialect.AddParameter(delete, "replaced_" + i.ToString(CultureInfo.InvariantCulture), replaced[i], DbType.String);
            }
        }

        var index = 0;
        AddRows(write, _sql.InsertPieceRows, changes.SelectMany(change => change.Fresh.Select(row => ((string?)change.Piece, row.Key, row.Value))), ref index);
        AddRows(write, _sql.InsertDeltas, changes.SelectMany(change => change.Deltas.Select(row => ((string?)null, row.Key, row.Values))), ref index);
        await write.ExecuteAsync(prepare: changes.Count <= 4, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows inserted <see cref="RowsAStatement"/> to a statement, their parameters numbered from <paramref name="index"/> on.</summary>
    private void AddRows(
        StatementWriter write, Func<IReadOnlyList<string>, string> template, IEnumerable<(string? Piece, RowKey Key, long[] Values)> rows, ref int index)
    {
        foreach (var chunk in rows.Chunk(RowsAStatement))
        {
            var first = index;
            var command = write.Next(template([.. chunk.Select((_, i) => "_" + (first + i).ToString(CultureInfo.InvariantCulture))]));
            foreach (var (piece, key, values) in chunk)
            {
                var suffix = "_" + index++.ToString(CultureInfo.InvariantCulture);
                if (piece is not null)
                {
                    LedgerDialect.AddParameter(command, "piece" + suffix, piece, DbType.String);
                }

                AddRow(command, suffix, key, values);
            }
        }
    }

    /// <summary>Statements run in one command (their parameters named apart), or each in its own.</summary>
    private sealed class StatementWriter(LedgerUnit unit, bool oneCommand) : IAsyncDisposable
    {
        private readonly List<(DbCommand Command, StringBuilder Sql)> _commands = [];

        /// <summary>The command that runs <paramref name="sql"/>: its parameters are added to it.</summary>
        public DbCommand Next(string sql)
        {
            if (oneCommand && _commands.Count > 0)
            {
                _commands[0].Sql.Append(';').Append(sql);
                return _commands[0].Command;
            }

            var command = unit.Command(string.Empty);
            _commands.Add((command, new StringBuilder(sql)));
            return command;
        }

        public async Task ExecuteAsync(bool prepare, CancellationToken cancellationToken)
        {
            foreach (var (command, sql) in _commands)
            {
                command.CommandText = sql.ToString();
                if (prepare && unit.Dialect.ConcurrentWriters)
                {
                    await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
                }

                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (command, _) in _commands)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// How many rows one insert statement carries (20 parameters a row): 500 on PostgreSQL, where a statement is a round
    /// trip's share; 20 on SQLite, which looks each parameter up by name among the statement's, so that the lookups stay few.
    /// </summary>
    private int RowsAStatement => _dialect.ConcurrentWriters ? 500 : 20;

    private static void AddRow(DbCommand command, string suffix, RowKey key, long[] values)
    {
        LedgerDialect.AddParameter(command, "bucket_hour" + suffix, key.Hour, DbType.Int64);
        LedgerDialect.AddParameter(command, "model" + suffix, key.Model, DbType.String);
        LedgerDialect.AddParameter(command, "livemode" + suffix, key.Livemode, DbType.Boolean);
        LedgerDialect.AddParameter(command, "linked" + suffix, key.Linked ? 1L : 0L, DbType.Int64);
        LedgerDialect.AddParameter(command, "currency" + suffix, key.Currency, DbType.String);
        LedgerDialect.AddParameter(command, "utm_source" + suffix, key.Source, DbType.String);
        LedgerDialect.AddParameter(command, "utm_medium" + suffix, key.Medium, DbType.String);
        LedgerDialect.AddParameter(command, "utm_campaign" + suffix, key.Campaign, DbType.String);
        for (var i = 0; i < MeasureColumns.Length; i++)
        {
            LedgerDialect.AddParameter(command, MeasureColumns[i] + suffix, values[i], DbType.Int64);
        }
    }

    /// <summary>
    /// On an engine with several writers (PostgreSQL), a small statement of the marks or the fold is prepared: the driver
    /// keeps it prepared on the pooled connection, so that its plan is not made again at every event.
    /// </summary>
    private ValueTask PrepareAsync(DbCommand command, CancellationToken cancellationToken) =>
        _dialect.ConcurrentWriters ? new ValueTask(command.PrepareAsync(cancellationToken)) : ValueTask.CompletedTask;

    private static bool Same(Dictionary<RowKey, long[]> fresh, Dictionary<RowKey, long[]> stored) =>
        fresh.Count == stored.Count && fresh.All(row => stored.TryGetValue(row.Key, out var values) && values.AsSpan().SequenceEqual(row.Value));

    /// <summary>Kept rows, by piece (the piece the first column).</summary>
    private static async Task<Dictionary<string, Dictionary<RowKey, long[]>>> ReadStoredRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var pieces = new Dictionary<string, Dictionary<RowKey, long[]>>(StringComparer.Ordinal);
        const int at = 1;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var piece = reader.GetString(0);
            if (!pieces.TryGetValue(piece, out var rows))
            {
                pieces[piece] = rows = [];
            }

            var key = new RowKey(
                LedgerStore.ToInt64(reader.GetValue(at)),
                reader.GetString(at + 1),
                LedgerStore.ToInt64(reader.GetValue(at + 2)) != 0,
                LedgerStore.ToInt64(reader.GetValue(at + 3)) != 0,
                reader.GetString(at + 4),
                reader.GetString(at + 5),
                reader.GetString(at + 6),
                reader.GetString(at + 7));
            var values = new long[MeasureColumns.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = LedgerStore.ToInt64(reader.GetValue(at + 8 + i));
            }

            rows[key] = values;
        }

        return pieces;
    }

    /// <summary>What the ledger states of one piece: all its rows are worked out from it alone (<see cref="Compute"/>).</summary>
    private abstract record PieceFacts;

    /// <summary>A session: its mode, link, currency, times, payment, amounts and campaign (with the campaign's source and its visit).</summary>
    private sealed record SessionFacts(
        bool Livemode, bool Linked, string? Currency, DateTimeOffset? CompletedAt, DateTimeOffset? PaidAt, bool Paid, long Amount, long Tax,
        string? Source, string? Medium, string? Campaign, long CampaignSource, long Visited, string? ClickId, string SessionId) : PieceFacts;

    /// <summary>A renewal (an invoice paid), with the session that started its subscription.</summary>
    private sealed record RenewalFacts(DateTimeOffset PaidAt, long Amount, long Tax, string? Currency, bool Livemode, OwnerFacts Owner) : PieceFacts;

    /// <summary>A charge's refund statements (each its moment and refunded amount), its failed refunds, and its payment's owner.</summary>
    private sealed record ChargeFacts(
        string? Currency, bool Livemode, List<(DateTimeOffset At, long Refunded)> Statements,
        List<(DateTimeOffset FailedAt, long Amount, DateTimeOffset? CreatedAt)> Failures, OwnerFacts Owner) : PieceFacts;

    /// <summary>A dispute lost, with its payment's owner.</summary>
    private sealed record DisputeFacts(DateTimeOffset StatusAt, long Amount, string? Currency, bool Livemode, OwnerFacts Owner) : PieceFacts;

    /// <summary>
    /// The session a later piece of money belongs to (its own payment's, or the one that started the subscription whose
    /// invoice it paid) with that session's mode, link and campaign; and the invoice, with the campaign its subscription names.
    /// </summary>
    private sealed record OwnerFacts(
        string? Session, string? Invoice, bool SessionKnown, bool SessionLivemode, bool SessionLinked,
        string? Source, string? Medium, string? Campaign, string? InvoiceSource, string? InvoiceMedium, string? InvoiceCampaign, string? SessionClickId);

    /// <summary>The facts a statement of <see cref="AggregateStatements.FactsOf"/> read, by the piece's id (without its kind).</summary>
    private async Task<Dictionary<string, PieceFacts>> ReadFactsAsync(DbDataReader reader, char kind, CancellationToken cancellationToken)
    {
        var facts = new Dictionary<string, PieceFacts>(StringComparer.Ordinal);
        switch (kind)
        {
            case 's':
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    facts[reader.GetString(0)] = new SessionFacts(
                        LedgerStore.ToInt64(reader.GetValue(1)) != 0,
                        LedgerStore.ToInt64(reader.GetValue(2)) != 0,
                        LedgerStore.StringOrNull(reader, 3),
                        _dialect.ReadTime(reader, 4),
                        _dialect.ReadTime(reader, 5),
                        LedgerStore.ToInt64(reader.GetValue(6)) != 0,
                        LedgerStore.ToInt64(reader.GetValue(7)),
                        LedgerStore.ToInt64(reader.GetValue(8)),
                        LedgerStore.StringOrNull(reader, 9),
                        LedgerStore.StringOrNull(reader, 10),
                        LedgerStore.StringOrNull(reader, 11),
                        LedgerStore.ToInt64(reader.GetValue(12)),
                        LedgerStore.ToInt64(reader.GetValue(13)),
                        LedgerStore.StringOrNull(reader, 14),
                        reader.GetString(0));
                }

                break;
            case 'i':
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    facts[reader.GetString(0)] = new RenewalFacts(
                        _dialect.ReadTime(reader, 1)!.Value,
                        LedgerStore.ToInt64(reader.GetValue(2)),
                        LedgerStore.ToInt64(reader.GetValue(3)),
                        LedgerStore.StringOrNull(reader, 4),
                        LedgerStore.ToInt64(reader.GetValue(5)) != 0,
                        ReadOwner(reader, 6));
                }

                break;
            case 'c':
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    facts[reader.GetString(0)] = new ChargeFacts(
                        LedgerStore.StringOrNull(reader, 1), LedgerStore.ToInt64(reader.GetValue(2)) != 0, [], [], ReadOwner(reader, 3));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (facts.GetValueOrDefault(reader.GetString(0)) is ChargeFacts charge)
                    {
                        charge.Statements.Add((_dialect.ReadTime(reader, 1)!.Value, LedgerStore.ToInt64(reader.GetValue(2))));
                    }
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (facts.GetValueOrDefault(reader.GetString(0)) is ChargeFacts charge)
                    {
                        charge.Failures.Add((_dialect.ReadTime(reader, 1)!.Value, LedgerStore.ToInt64(reader.GetValue(2)), _dialect.ReadTime(reader, 3)));
                    }
                }

                break;
            default:
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    facts[reader.GetString(0)] = new DisputeFacts(
                        _dialect.ReadTime(reader, 1)!.Value,
                        LedgerStore.ToInt64(reader.GetValue(2)),
                        LedgerStore.StringOrNull(reader, 3),
                        LedgerStore.ToInt64(reader.GetValue(4)) != 0,
                        ReadOwner(reader, 5));
                }

                break;
        }

        return facts;
    }

    /// <summary>The owner's columns (<see cref="AggregateStatements"/>' owner columns) from <paramref name="at"/> on.</summary>
    private static OwnerFacts ReadOwner(DbDataReader reader, int at) => new(
        LedgerStore.StringOrNull(reader, at),
        LedgerStore.StringOrNull(reader, at + 1),
        LedgerStore.ToInt64(reader.GetValue(at + 2)) != 0,
        LedgerStore.ToInt64(reader.GetValue(at + 3)) != 0,
        LedgerStore.ToInt64(reader.GetValue(at + 4)) != 0,
        LedgerStore.StringOrNull(reader, at + 5),
        LedgerStore.StringOrNull(reader, at + 6),
        LedgerStore.StringOrNull(reader, at + 7),
        LedgerStore.StringOrNull(reader, at + 8),
        LedgerStore.StringOrNull(reader, at + 9),
        LedgerStore.StringOrNull(reader, at + 10),
        LedgerStore.StringOrNull(reader, at + 11));

    /// <summary>
    /// The touches of the sessions that <paramref name="facts"/> name with a click (a session's own, or a later piece's
    /// owner), read in one more round trip only when there is such a session, each kept to its window; a session that
    /// names no click the ledger knows has none. A click committed after this read carries its own mark, which works
    /// these sessions out again.
    /// </summary>
    private async Task<Dictionary<string, AttributionLedger.SessionTouches>> ReadTouchesAsync(
        LedgerUnit unit, IEnumerable<PieceFacts> facts, CancellationToken cancellationToken)
    {
        var touches = new Dictionary<string, AttributionLedger.SessionTouches>(StringComparer.Ordinal);
        var sessions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            switch (fact)
            {
                case SessionFacts { ClickId: not null } session:
                    sessions.Add(session.SessionId);
                    break;
                case RenewalFacts { Owner: { SessionClickId: not null, Session: { } owner } }:
                    sessions.Add(owner);
                    break;
                case ChargeFacts { Owner: { SessionClickId: not null, Session: { } owner } }:
                    sessions.Add(owner);
                    break;
                case DisputeFacts { Owner: { SessionClickId: not null, Session: { } owner } }:
                    sessions.Add(owner);
                    break;
            }
        }

        if (sessions.Count == 0)
        {
            return touches;
        }

        var ids = sessions.ToList();
        await using var read = unit.Command(_sql.TouchesOf(ids.Count));
        for (var i = 0; i < ids.Count; i++)
        {
            LedgerDialect.AddParameter(read, "t_" + i.ToString(CultureInfo.InvariantCulture), ids[i], DbType.String);
        }

        if (ids.Count <= 4)
        {
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
        }

        var rows = new Dictionary<string, (DateTimeOffset? At, List<AttributionLedger.TouchRow> Touches)>(StringComparer.Ordinal);
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var sessionId = reader.GetString(0);
                if (!rows.TryGetValue(sessionId, out var session))
                {
                    rows[sessionId] = session = (_dialect.ReadTime(reader, 1), []);
                }

                session.Touches.Add(attribution.ReadTouch(reader, 2));
            }
        }

        foreach (var (sessionId, (at, found)) in rows)
        {
            if (at is { } sessionAt && attribution.InWindow(found, sessionAt) is { } inWindow)
            {
                touches[sessionId] = inWindow;
            }
        }

        return touches;
    }

    /// <summary>
    /// A piece's rows from its facts (none when the ledger states nothing of it) and its session's touches: the one
    /// computation that both the fold and the rebuild use, however the facts were read.
    /// </summary>
    private Dictionary<RowKey, long[]> Compute(PieceFacts? facts, Dictionary<string, AttributionLedger.SessionTouches> touches) => facts switch
    {
        SessionFacts session => ComputeSession(session, touches.GetValueOrDefault(session.SessionId)),
        RenewalFacts renewal => ComputeRenewal(renewal, touches),
        ChargeFacts charge => ComputeCharge(charge, touches),
        DisputeFacts dispute => ComputeDispute(dispute, touches),
        _ => [],
    };

    // A session: counted in the hour it completed (with its visit and the source of its campaign), paid in the hour it was paid.
    private Dictionary<RowKey, long[]> ComputeSession(SessionFacts session, AttributionLedger.SessionTouches? touches)
    {
        var rows = new Dictionary<RowKey, long[]>();
        var target = new Target(
            session.Livemode, session.Linked, Encode(session.Currency), new Codes(Encode(session.Source), Encode(session.Medium), Encode(session.Campaign)), touches);
        if (session.CompletedAt is { } completed)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Sessions] = 1;
            values[(int)Measure.Visits] = session.Visited;
            values[(int)Measure.ByVisit] = session.CampaignSource == 1 ? 1 : 0;
            values[(int)Measure.ByReference] = session.CampaignSource == 2 ? 1 : 0;
            values[(int)Measure.ByLink] = session.CampaignSource == 3 ? 1 : 0;
            AddRows(rows, HourOf(completed), target, values, 0);
        }

        if (session.Paid && session.PaidAt is { } paidTime)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Paid] = 1;
            values[(int)Measure.Gross] = session.Amount;
            values[(int)Measure.Tax] = session.Tax;
            AddRows(rows, HourOf(paidTime), target, values, 0);
        }

        return rows;
    }

    // A renewal: its payment in the hour it was paid, under the campaign of the session that started its subscription.
    private Dictionary<RowKey, long[]> ComputeRenewal(RenewalFacts renewal, Dictionary<string, AttributionLedger.SessionTouches> touches)
    {
        var rows = new Dictionary<RowKey, long[]>();
        if (Attribute(renewal.Owner, renewal.Livemode, renewal.Currency, touches) is { } target)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Gross] = renewal.Amount;
            values[(int)Measure.Renewals] = 1;
            values[(int)Measure.RenewalRevenue] = renewal.Amount;
            values[(int)Measure.Tax] = renewal.Tax;
            AddRows(rows, HourOf(renewal.PaidAt), target, values, 0);
        }

        return rows;
    }

    // A charge's refunds: in each hour its refunded amount moved, by how much (a failed refund gives money back); split
    // over touches as the change of the split of its refunded amount to date (see AttributionLedger.Shares).
    private Dictionary<RowKey, long[]> ComputeCharge(ChargeFacts charge, Dictionary<string, AttributionLedger.SessionTouches> touches)
    {
        var rows = new Dictionary<RowKey, long[]>();
        if (Attribute(charge.Owner, charge.Livemode, charge.Currency, touches) is not { } target)
        {
            return rows;
        }

        var hours = new SortedSet<long>(charge.Statements.Select(statement => HourOf(statement.At)).Concat(charge.Failures.Select(failure => HourOf(failure.FailedAt))));
        foreach (var hour in hours)
        {
            var before = RefundedBefore(charge, HourStart(hour));
            var amount = RefundedBefore(charge, HourStart(hour + 1)) - before;
            if (amount != 0)
            {
                var values = new long[MeasureColumns.Length];
                values[(int)Measure.Refunded] = amount;
                AddRows(rows, hour, target, values, before);
            }
        }

        return rows;
    }

    /// <summary>
    /// A charge's refunded amount just before <paramref name="before"/>, as <see cref="RevenueLedger.ChargeRefundedSql"/>
    /// states it: its newest statement before then (the larger amount of two at one moment), less the failed refunds that
    /// statement counted (created by then, or of unknown creation) which failed after it and before then.
    /// </summary>
    private static long RefundedBefore(ChargeFacts charge, DateTimeOffset before)
    {
        (DateTimeOffset At, long Refunded)? newest = null;
        foreach (var statement in charge.Statements)
        {
            if (statement.At < before && (newest is not { } best || statement.At > best.At || (statement.At == best.At && statement.Refunded > best.Refunded)))
            {
                newest = statement;
            }
        }

        if (newest is not { } observed)
        {
            return 0;
        }

        var failed = 0L;
        foreach (var failure in charge.Failures)
        {
            if (failure.FailedAt > observed.At && failure.FailedAt < before && (failure.CreatedAt is not { } created || created <= observed.At))
            {
                failed += failure.Amount;
            }
        }

        return observed.Refunded - failed;
    }

    // A dispute lost: its amount in the hour of its status.
    private Dictionary<RowKey, long[]> ComputeDispute(DisputeFacts dispute, Dictionary<string, AttributionLedger.SessionTouches> touches)
    {
        var rows = new Dictionary<RowKey, long[]>();
        if (Attribute(dispute.Owner, dispute.Livemode, dispute.Currency, touches) is { } target)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Disputed] = dispute.Amount;
            AddRows(rows, HourOf(dispute.StatusAt), target, values, 0);
        }

        return rows;
    }

    /// <summary>
    /// Where a later piece of money goes: its session's campaign and touches when the session is known (none when the
    /// session is of the other mode: the report never counts it), otherwise the campaign its invoice's subscription names.
    /// </summary>
    private static Target? Attribute(OwnerFacts owner, bool livemode, string? currency, Dictionary<string, AttributionLedger.SessionTouches> touches)
    {
        if (owner.Session is { } session)
        {
            var linked = true;
            if (owner.SessionKnown)
            {
                if (owner.SessionLivemode != livemode)
                {
                    return null;
                }

                linked = owner.SessionLinked;
            }

            return new Target(
                livemode, linked, Encode(currency), new Codes(Encode(owner.Source), Encode(owner.Medium), Encode(owner.Campaign)), touches.GetValueOrDefault(session));
        }

        return new Target(
            livemode, true, Encode(currency), new Codes(Encode(owner.InvoiceSource), Encode(owner.InvoiceMedium), Encode(owner.InvoiceCampaign)), null);
    }

    /// <summary>
    /// The rows of a piece's <paramref name="values"/> in an hour: under <see cref="AnyModel"/> when its session names no
    /// click the ledger knows; otherwise under each model, each touch's share (as the report by model splits it, see
    /// <see cref="AttributionLedger.Shares"/>) under the touch's campaign, the session's own click without codes standing
    /// for the session's campaign.
    /// </summary>
    private void AddRows(Dictionary<RowKey, long[]> rows, long hour, Target target, long[] values, long refundedBefore)
    {
        if (target.Touches is not { } touches)
        {
            Accumulate(Row(rows, new RowKey(hour, AnyModel, target.Livemode, target.Linked, target.Currency, target.Codes.Source, target.Codes.Medium, target.Codes.Campaign)), values);
            return;
        }

        foreach (var model in Models)
        {
            var credit = attribution.Credit(touches, model);
            foreach (var (touch, share) in AttributionLedger.Shares(credit, values, (int)Measure.Refunded, refundedBefore))
            {
                if (!share.AsSpan().ContainsAnyExcept(0L))
                {
                    continue;
                }

                var codes = credit.Campaigns[touch] is { } campaign
                    ? new Codes(Encode(campaign.Source), Encode(campaign.Medium), Encode(campaign.Campaign))
                    : target.Codes;
                var key = new RowKey(hour, AttributionModelNames.Format(model), target.Livemode, target.Linked, target.Currency, codes.Source, codes.Medium, codes.Campaign);
                Accumulate(Row(rows, key), share);
            }
        }

        static void Accumulate(long[] sums, long[] values)
        {
            for (var i = 0; i < sums.Length; i++)
            {
                sums[i] += values[i];
            }
        }
    }

    private static long[] Row(Dictionary<RowKey, long[]> rows, RowKey key)
    {
        if (!rows.TryGetValue(key, out var values))
        {
            rows[key] = values = new long[MeasureColumns.Length];
        }

        return values;
    }

    /// <summary>A text key as stored: '' for none, '=' and the value otherwise.</summary>
    internal static string Encode(string? value) => value is null ? string.Empty : "=" + value;

    internal static string? Decode(string stored) => stored.Length == 0 ? null : stored[1..];

    internal static long HourOf(DateTimeOffset time) => FloorDiv(time.ToUnixTimeMilliseconds(), HourMilliseconds);

    internal static DateTimeOffset HourStart(long hour) => DateTimeOffset.FromUnixTimeMilliseconds(hour * HourMilliseconds);

    private static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);

    private static long CeilDiv(long value, long divisor) => -FloorDiv(-value, divisor);

    /// <summary>
    /// Moves delta rows into the hourly and daily sums, <see cref="FoldBatch"/> in a transaction, until fewer than a
    /// batch are left or <paramref name="maxBatches"/> ran; the number moved. Writers go on meanwhile: on PostgreSQL a
    /// fold takes only the rows it can lock.
    /// </summary>
    public async Task<long> FoldAsync(int maxBatches, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        long total = 0;
        for (var batch = 0; batch < maxBatches; batch++)
        {
            await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            long moved;
            if (_dialect.ConcurrentWriters)
            {
                await using var fold = unit.Command(_sql.FoldLocked);
                LedgerDialect.AddParameter(fold, "batch", FoldBatch, DbType.Int64);
                moved = LedgerStore.ToInt64(await fold.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
            }
            else
            {
                long last;
                await using (var find = unit.Command(_sql.FoldLast))
                {
                    LedgerDialect.AddParameter(find, "batch", FoldBatch, DbType.Int64);
                    last = LedgerStore.ToInt64(await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
                }

                await using (var fold = unit.Command(_sql.FoldThrough))
                {
                    LedgerDialect.AddParameter(fold, "last", last, DbType.Int64);
                    await fold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var delete = unit.Command(_sql.DeleteFoldedThrough);
                LedgerDialect.AddParameter(delete, "last", last, DbType.Int64);
                moved = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
            total += moved;
            if (moved < FoldBatch)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>
    /// Whether anything the report counts happened from <paramref name="since"/> to <paramref name="until"/> (a session
    /// completed or paid, a renewal paid, a refund stated or failed, a dispute's status): a partial hour in which nothing
    /// did adds nothing, and its scan is skipped. One indexed lookup a kind.
    /// </summary>
    private async Task<bool> MovedAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var moved = unit.Command(_sql.Moved);
        _dialect.AddTime(moved, "since", since);
        _dialect.AddTime(moved, "until", until);
        return LedgerStore.ToInt64(await moved.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) != 0;
    }

    /// <summary>Folds the delta rows when more than a fold's batch wait.</summary>
    public async Task FoldIfBehindAsync(CancellationToken cancellationToken)
    {
        if (await PendingDeltasAsync(cancellationToken).ConfigureAwait(false) > FoldBatch)
        {
            await FoldAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How many delta rows wait for a fold, counted up to one more than a batch.</summary>
    private async Task<long> PendingDeltasAsync(CancellationToken cancellationToken)
    {
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = unit.Command(_sql.CountPending);
        LedgerDialect.AddParameter(count, "batch", FoldBatch + 1, DbType.Int64);
        return LedgerStore.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Whether the aggregates hold the whole ledger (a ledger upgraded with money in it waits for its rebuild).</summary>
    public async Task<bool> IsBuiltAsync(CancellationToken cancellationToken)
    {
        if (_built)
        {
            return true;
        }

        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var read = unit.Command(_sql.ReadBuilt);
        _built = LedgerStore.ToInt64(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) != 0;
        return _built;
    }

    /// <summary>
    /// Works every piece with money since <paramref name="since"/> (all when <see langword="null"/>) out again from the
    /// ledger, <paramref name="batchSize"/> pieces a transaction, while writes go on; then folds. Each batch is read in one
    /// round trip (the pieces locked in their order, their facts a statement a kind, their kept rows) and written in one,
    /// its rows worked out by the same computation as a fold's. A whole rebuild marks the aggregates built. On PostgreSQL
    /// the delta rows' table is vacuumed after the last fold. Returns the number of pieces worked out.
    /// </summary>
    public async Task<long> RebuildAsync(DateTimeOffset? since, int batchSize, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        long pieces = 0;
        foreach (var (prefix, sql) in _sql.RebuildSources)
        {
            var after = string.Empty;
            while (true)
            {
                await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
                List<string> ids;
                await using (var page = unit.Command(sql))
                {
                    LedgerDialect.AddParameter(page, "after", after, DbType.String);
                    _dialect.AddTime(page, "since", since ?? DateTimeOffset.UnixEpoch.AddYears(-1000));
                    LedgerDialect.AddParameter(page, "batch", batchSize, DbType.Int64);
                    ids = await ReadTextsAsync(page, cancellationToken).ConfigureAwait(false);
                }

                if (ids.Count == 0)
                {
                    await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                }

                await RefreshAsync(unit, ids.Select(id => prefix + id).Order(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
                await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
                pieces += ids.Count;
                progress?.Report(pieces);
                after = ids[^1];
            }
        }

        if (since is null)
        {
            await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (var mark = unit.Command(_sql.MarkBuilt))
            {
                await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
            _built = true;
        }

        await FoldAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
        if (_dialect.ReclaimAfterBulkDelete(_dialect.Table("payment_link_report_deltas")) is { } reclaim)
        {
            // The fold deleted as many delta rows as the pieces had rows: their room is given back before the next report.
            await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var vacuum = unit.Command(reclaim);
            await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return pieces;
    }

    /// <summary>
    /// The campaign report by <paramref name="model"/> from the aggregates (the rows of <see cref="AnyModel"/> and of the
    /// model): the sums for whole days and hours, the delta rows not folded yet, and the ledger's rows, split by the model
    /// as the aggregates are, for a partial first or last hour. Until the aggregates are built, the ledger's rows alone.
    /// </summary>
    public async Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, CancellationToken cancellationToken)
    {
        if (!Enum.IsDefined(model))
        {
            throw new ArgumentOutOfRangeException(nameof(model), model, $"Not an attribution model; the models are {string.Join(", ", AttributionModelNames.All)}.");
        }

        if (!await IsBuiltAsync(cancellationToken).ConfigureAwait(false))
        {
            return WithoutEmptyRows(await attribution.ReportAsync(since, until, mode, model, edge: false, cancellationToken).ConfigureAwait(false));
        }

        // Every mark committed before the report began is worked out first (those another fold holds, waited for): the
        // report is never behind the ledger. Then, with more delta rows than a fold's batch, they are folded, so that the
        // read stays short.
        if (await LastMarkAsync(cancellationToken).ConfigureAwait(false) is { } lastMark)
        {
            await WorkOutMarksAsync(lastMark, cancellationToken).ConfigureAwait(false);
        }

        await FoldIfBehindAsync(cancellationToken).ConfigureAwait(false);

        var firstHour = since is { } from ? CeilDiv(from.ToUnixTimeMilliseconds(), HourMilliseconds) : NoHourBefore;
        var endHour = until is { } to ? HourOf(to) : NoHourAfter;
        if (since is { } start && until is { } end && (start >= end || firstHour > endHour))
        {
            // Less than an hour, or an end before the start (refused by the endpoints and the console): the ledger's rows alone.
            return WithoutEmptyRows(await attribution.ReportAsync(since, until, mode, model, edge: start < end, cancellationToken).ConfigureAwait(false));
        }

        var sums = new Dictionary<(string Source, string Medium, string Campaign, string Currency), long[]>();
        if (since is { } partialStart && HourStart(firstHour) != partialStart
            && await MovedAsync(partialStart, HourStart(firstHour), cancellationToken).ConfigureAwait(false))
        {
            Add(sums, await attribution.ReportAsync(partialStart, HourStart(firstHour), mode, model, edge: true, cancellationToken).ConfigureAwait(false));
        }

        if (until is { } partialEnd && HourStart(endHour) != partialEnd
            && await MovedAsync(HourStart(endHour), partialEnd, cancellationToken).ConfigureAwait(false))
        {
            Add(sums, await attribution.ReportAsync(HourStart(endHour), partialEnd, mode, model, edge: true, cancellationToken).ConfigureAwait(false));
        }

        // Whole days from the daily sums, the hours either side of them from the hourly ones.
        var (firstDay, endDay) = (CeilDiv(firstHour, 24), FloorDiv(endHour, 24));
        if (firstDay >= endDay)
        {
            (firstDay, endDay) = (0, 0);
        }

        var (hoursBefore, hoursAfter) = firstDay < endDay ? (firstDay * 24, endDay * 24) : (endHour, endHour);
        await using (var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var read = unit.Command(_sql.Report);
            LedgerDialect.AddParameter(read, "first_day", firstDay, DbType.Int64);
            LedgerDialect.AddParameter(read, "end_day", endDay, DbType.Int64);
            LedgerDialect.AddParameter(read, "first_hour", firstHour, DbType.Int64);
            LedgerDialect.AddParameter(read, "hours_before", hoursBefore, DbType.Int64);
            LedgerDialect.AddParameter(read, "hours_after", hoursAfter, DbType.Int64);
            LedgerDialect.AddParameter(read, "end_hour", endHour, DbType.Int64);
            LedgerDialect.AddParameter(read, "model", AttributionModelNames.Format(model), DbType.String);
            LedgerDialect.AddParameter(read, "livemode", mode == PaymentLinkMode.Live, DbType.Boolean);
            store.AddAllSessions(read);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var values = Sum(sums, (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] += LedgerStore.ToInt64(reader.GetValue(4 + i));
                }
            }
        }

        var rows = sums
            .Where(sum => sum.Value.Any(value => value != 0))
            .Select(sum =>
            {
                var v = sum.Value;
                return new CampaignReportRow(
                    Decode(sum.Key.Source), Decode(sum.Key.Medium), Decode(sum.Key.Campaign), Decode(sum.Key.Currency),
                    v[(int)Measure.Sessions], v[(int)Measure.Paid],
                    NetRevenue.Of(v[(int)Measure.Gross], v[(int)Measure.Tax], v[(int)Measure.Refunded], v[(int)Measure.Disputed]),
                    v[(int)Measure.Visits], v[(int)Measure.ByVisit], v[(int)Measure.ByReference], v[(int)Measure.ByLink],
                    v[(int)Measure.Gross], v[(int)Measure.Renewals], v[(int)Measure.RenewalRevenue], v[(int)Measure.Refunded],
                    v[(int)Measure.Disputed], v[(int)Measure.Tax]);
            })
            .Order(ScanOrder.Instance)
            .ToList();

        // The most revenue first; the scan's order among equals, as a stable sort keeps it.
        return [.. rows.OrderByDescending(row => row.Revenue)];
    }

    /// <summary>A row whose every number is zero says nothing: the aggregates leave it out, and so does the scan they fall back on.</summary>
    private static List<CampaignReportRow> WithoutEmptyRows(IEnumerable<CampaignReportRow> rows) =>
        [.. rows.Where(row => row with { UtmSource = null, UtmMedium = null, UtmCampaign = null, Currency = null }
            != new CampaignReportRow(null, null, null, null, 0, 0, 0, 0, 0, 0, 0))];

    private static void Add(Dictionary<(string, string, string, string), long[]> sums, IEnumerable<CampaignReportRow> rows)
    {
        foreach (var row in rows)
        {
            var values = Sum(sums, (Encode(row.UtmSource), Encode(row.UtmMedium), Encode(row.UtmCampaign), Encode(row.Currency)));
            values[(int)Measure.Sessions] += row.Sessions;
            values[(int)Measure.Paid] += row.Paid;
            values[(int)Measure.Visits] += row.Visits;
            values[(int)Measure.ByVisit] += row.ByVisit;
            values[(int)Measure.ByReference] += row.ByReference;
            values[(int)Measure.ByLink] += row.ByLink;
            values[(int)Measure.Gross] += row.Gross;
            values[(int)Measure.Tax] += row.Tax;
            values[(int)Measure.Renewals] += row.Renewals;
            values[(int)Measure.RenewalRevenue] += row.RenewalRevenue;
            values[(int)Measure.Refunded] += row.Refunded;
            values[(int)Measure.Disputed] += row.Disputed;
        }
    }

    private static long[] Sum(Dictionary<(string, string, string, string), long[]> sums, (string, string, string, string) key)
    {
        if (!sums.TryGetValue(key, out var values))
        {
            sums[key] = values = new long[MeasureColumns.Length];
        }

        return values;
    }

    /// <summary>The scan's order: campaign, source, medium, currency, each by its UTF-8 bytes, none last.</summary>
    private sealed class ScanOrder : IComparer<CampaignReportRow>
    {
        public static readonly ScanOrder Instance = new();

        public int Compare(CampaignReportRow? x, CampaignReportRow? y)
        {
            var order = Text(x!.UtmCampaign, y!.UtmCampaign);
            order = order != 0 ? order : Text(x.UtmSource, y.UtmSource);
            order = order != 0 ? order : Text(x.UtmMedium, y.UtmMedium);
            return order != 0 ? order : Text(x.Currency, y.Currency);
        }

        private static int Text(string? x, string? y) =>
            (x, y) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                _ => Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)),
            };
    }

    /// <summary>A campaign's codes as stored (see <see cref="Encode"/>).</summary>
    private readonly record struct Codes(string Source, string Medium, string Campaign);

    /// <summary>Where a piece's money goes: its mode, whether made by a payment link, its currency, its campaign, its session's touches (none: no known click).</summary>
    private readonly record struct Target(bool Livemode, bool Linked, string Currency, Codes Codes, AttributionLedger.SessionTouches? Touches);

    /// <summary>A row's key; the text parts as stored (see <see cref="Encode"/>).</summary>
    private readonly record struct RowKey(long Hour, string Model, bool Livemode, bool Linked, string Currency, string Source, string Medium, string Campaign);

    /// <summary>The aggregates' SQL, the same on both engines but for the tables' names and the fold.</summary>
    private sealed class AggregateStatements
    {
        public AggregateStatements(LedgerDialect dialect)
        {
            var sessions = dialect.SessionsTable;
            var sessionPayments = dialect.Table("payment_link_session_payments");
            var refunds = dialect.Table("payment_link_charge_refunds");
            var failedRefunds = dialect.Table("payment_link_failed_refunds");
            var disputes = dialect.Table("payment_link_disputes");
            var invoices = dialect.Table("payment_link_invoices");
            var invoicePayments = dialect.Table("payment_link_invoice_payments");
            var visits = dialect.Table("payment_link_visits");
            var keys = dialect.Table("payment_link_campaign_keys");
            var campaigns = dialect.Table("payment_link_session_campaigns");
            var pieceRows = dialect.Table("payment_link_report_piece_rows");
            var deltas = dialect.Table("payment_link_report_deltas");
            var aggregates = dialect.Table("payment_link_report_aggregates");
            var state = dialect.Table("payment_link_report_state");
            var measures = string.Join(", ", MeasureColumns);
            var keyColumns = string.Join(", ", KeyColumns);
            var rowColumns = $"bucket_hour, {keyColumns}, {measures}";

            // The session's campaign as the scan works it out: its first visit's codes, else its key's, else its link's.
            const string HasVisitCodes =
                "(v.utm_source IS NOT NULL OR v.utm_medium IS NOT NULL OR v.utm_campaign IS NOT NULL " +
                "OR v.utm_term IS NOT NULL OR v.utm_content IS NOT NULL)";
            const string HasLinkCodes =
                "(c.link_utm_source IS NOT NULL OR c.link_utm_medium IS NOT NULL OR c.link_utm_campaign IS NOT NULL " +
                "OR c.link_utm_term IS NOT NULL OR c.link_utm_content IS NOT NULL)";
            static string Pick(string code) =>
                $"CASE WHEN {HasVisitCodes} THEN v.{code} WHEN k.campaign_key IS NOT NULL THEN k.{code} WHEN {HasLinkCodes} THEN c.link_{code} END";
            var campaign =
                $"{Pick("utm_source")}, {Pick("utm_medium")}, {Pick("utm_campaign")}, " +
                $"CASE WHEN {HasVisitCodes} THEN 1 WHEN k.campaign_key IS NOT NULL THEN 2 WHEN {HasLinkCodes} THEN 3 ELSE 0 END, " +
                "CASE WHEN v.session_id IS NOT NULL THEN 1 ELSE 0 END";
            string CampaignJoins(string sessionId) =>
                $"LEFT JOIN {visits} v ON v.session_id = {sessionId} LEFT JOIN {campaigns} c ON c.session_id = {sessionId} " +
                $"LEFT JOIN {keys} k ON k.campaign_key = c.campaign_key";

            string In(char kind, int count) =>
                "(" + string.Join(", ", Enumerable.Range(0, count).Select(i => $"@{kind}_{i.ToString(CultureInfo.InvariantCulture)}")) + ")";

            // A later piece of money's owner (derived table x with owner and owner_invoice): the session's mode, link and
            // campaign, and the campaign the invoice's subscription names (used when no session owns it).
            var ownerColumns =
                "x.owner, x.owner_invoice, CASE WHEN os.session_id IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN os.livemode THEN 1 ELSE 0 END, " +
                $"CASE WHEN os.payment_link_id IS NOT NULL THEN 1 ELSE 0 END, {Pick("utm_source")}, {Pick("utm_medium")}, {Pick("utm_campaign")}, " +
                "CASE WHEN ik.campaign_key IS NOT NULL THEN ik.utm_source ELSE iv.utm_source END, " +
                "CASE WHEN ik.campaign_key IS NOT NULL THEN ik.utm_medium ELSE iv.utm_medium END, " +
                "CASE WHEN ik.campaign_key IS NOT NULL THEN ik.utm_campaign ELSE iv.utm_campaign END, " +
                ClickLedger.ClickIdOf("os.client_reference_id");
            var ownerJoins =
                $"LEFT JOIN {sessions} os ON os.session_id = x.owner {CampaignJoins("x.owner")} " +
                $"LEFT JOIN {invoices} iv ON iv.invoice_id = x.owner_invoice LEFT JOIN {keys} ik ON ik.campaign_key = iv.campaign_key";
            string OwnerSession(string paymentIntent, string invoice) =>
                $"COALESCE((SELECT op.session_id FROM {sessionPayments} op WHERE op.payment_intent = {paymentIntent} ORDER BY op.session_id LIMIT 1), " +
                $"(SELECT op.session_id FROM {invoices} oi JOIN {sessionPayments} op ON op.subscription_id = oi.subscription_id " +
                $"WHERE oi.invoice_id = {invoice} ORDER BY op.session_id LIMIT 1))";
            string InvoiceOfPayment(string paymentIntent) =>
                $"(SELECT ip.invoice_id FROM {invoicePayments} ip WHERE ip.payment_intent = {paymentIntent})";

            SessionFacts = count =>
                "SELECT s.session_id, s.livemode, CASE WHEN s.payment_link_id IS NOT NULL THEN 1 ELSE 0 END, s.currency, s.completed_at, s.paid_at, " +
                "CASE WHEN s.payment_status IN ('paid', 'no_payment_required') THEN 1 ELSE 0 END, COALESCE(s.amount_total, 0), " +
                $"COALESCE(p.amount_tax, 0), {campaign}, {ClickLedger.ClickIdOf("s.client_reference_id")} " +
                $"FROM {sessions} s LEFT JOIN {sessionPayments} p ON p.session_id = s.session_id {CampaignJoins("s.session_id")} " +
                $"WHERE s.session_id IN {In('s', count)}";
            RenewalFacts = count =>
                $"SELECT x.id, x.paid_at, x.amount_paid, x.amount_tax, x.currency, x.livemode, {ownerColumns} FROM (" +
                "SELECT i.invoice_id AS id, i.paid_at, i.amount_paid, i.amount_tax, i.currency, i.livemode, " +
                $"(SELECT op.session_id FROM {sessionPayments} op WHERE op.subscription_id = i.subscription_id ORDER BY op.session_id LIMIT 1) AS owner, " +
                $"i.invoice_id AS owner_invoice FROM {invoices} i WHERE i.invoice_id IN {In('i', count)} " +
                $"AND i.billing_reason IN ('subscription_cycle', 'subscription_update') AND i.amount_paid > 0) x {ownerJoins}";
            ChargeFacts = count =>
                $"SELECT x.id, x.currency, x.livemode, {ownerColumns} FROM (" +
                $"SELECT y.id, y.currency, y.livemode, {OwnerSession("y.payment_intent", "y.owner_invoice")} AS owner, y.owner_invoice FROM (" +
                $"SELECT z.id, z.payment_intent, z.currency, z.livemode, COALESCE(z.invoice_id, {InvoiceOfPayment("z.payment_intent")}) AS owner_invoice FROM (" +
                "SELECT charge_id AS id, MAX(payment_intent) AS payment_intent, MAX(invoice_id) AS invoice_id, MAX(currency) AS currency, " +
                $"MAX(CASE WHEN livemode THEN 1 ELSE 0 END) AS livemode FROM {refunds} WHERE charge_id IN {In('c', count)} GROUP BY charge_id) z) y) x {ownerJoins}; " +
                $"SELECT charge_id, observed_at, amount_refunded FROM {refunds} WHERE charge_id IN {In('c', count)}; " +
                $"SELECT charge_id, failed_at, amount, created_at FROM {failedRefunds} WHERE charge_id IN {In('c', count)}";
            DisputeFacts = count =>
                $"SELECT x.id, x.status_at, x.amount, x.currency, x.livemode, {ownerColumns} FROM (" +
                $"SELECT y.id, y.status_at, y.amount, y.currency, y.livemode, {OwnerSession("y.payment_intent", "y.owner_invoice")} AS owner, y.owner_invoice FROM (" +
                $"SELECT d.dispute_id AS id, d.status_at, d.amount, d.currency, d.livemode, d.payment_intent, {InvoiceOfPayment("d.payment_intent")} AS owner_invoice " +
                $"FROM {disputes} d WHERE d.dispute_id IN {In('d', count)} AND d.status = 'lost') y) x {ownerJoins}";

            // The touches of sessions that name a click (under their locks, where the engine has them), with each session's
            // time: its attribution window ends there.
            var clicks = dialect.Table("payment_link_clicks");
            TouchesOf = count =>
                AttributionLedger.TouchesSql(
                    dialect,
                    $"{sessions} s JOIN {clicks} own ON own.click_id = {ClickLedger.ClickIdOf("s.client_reference_id")}",
                    $"s.session_id IN {In('t', count)}",
                    "s.session_id, COALESCE(s.completed_at, s.paid_at, s.first_recorded_at)",
                    "s.session_id");

            // A visitor's clicks, and the sessions that name one of a list of clicks (through the index of schema version 17).
            ClicksOfVisitorsOf = count =>
                $"SELECT DISTINCT c.click_id FROM {clicks} v JOIN {clicks} c ON c.visitor_id = v.visitor_id WHERE v.click_id IN {In('k', count)}";
            ClicksOfVisitor = $"SELECT click_id FROM {clicks} WHERE visitor_id = @visitor_id";
            var clickIdOfSession = ClickLedger.ClickIdOf("s.client_reference_id");
            SessionsNaming = count =>
                $"SELECT s.session_id FROM {sessions} s WHERE {clickIdOfSession} IN {In('n', count)} AND {clickIdOfSession} IS NOT NULL";

            PiecesOfSessions = count =>
                $"SELECT 'i:' || i.invoice_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id WHERE p.session_id IN {In('e', count)} " +
                $"UNION SELECT 'c:' || r.charge_id FROM {sessionPayments} p JOIN {refunds} r ON r.payment_intent = p.payment_intent WHERE p.session_id IN {In('e', count)} " +
                $"UNION SELECT 'c:' || r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {refunds} r ON r.invoice_id = i.invoice_id WHERE p.session_id IN {In('e', count)} " +
                $"UNION SELECT 'c:' || r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {invoicePayments} ip ON ip.invoice_id = i.invoice_id JOIN {refunds} r ON r.payment_intent = ip.payment_intent WHERE p.session_id IN {In('e', count)} " +
                $"UNION SELECT 'd:' || d.dispute_id FROM {sessionPayments} p JOIN {disputes} d ON d.payment_intent = p.payment_intent WHERE p.session_id IN {In('e', count)} " +
                $"UNION SELECT 'd:' || d.dispute_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {invoicePayments} ip ON ip.invoice_id = i.invoice_id JOIN {disputes} d ON d.payment_intent = ip.payment_intent WHERE p.session_id IN {In('e', count)}";
            PiecesOfInvoices = count =>
                $"SELECT 'c:' || charge_id FROM {refunds} WHERE invoice_id IN {In('f', count)} " +
                $"UNION SELECT 'c:' || r.charge_id FROM {invoicePayments} ip JOIN {refunds} r ON r.payment_intent = ip.payment_intent WHERE ip.invoice_id IN {In('f', count)} " +
                $"UNION SELECT 'd:' || d.dispute_id FROM {invoicePayments} ip JOIN {disputes} d ON d.payment_intent = ip.payment_intent WHERE ip.invoice_id IN {In('f', count)}";
            SessionsOfKey = $"SELECT session_id FROM {campaigns} WHERE campaign_key = @campaign_key";
            InvoicesOfKey = $"SELECT invoice_id FROM {invoices} WHERE campaign_key = @campaign_key";

            var readPieceRows = $"SELECT {rowColumns} FROM {pieceRows} WHERE piece = @piece";
            string Pieces(int count) =>
                "(" + string.Join(", ", Enumerable.Range(0, count).Select(i => $"@piece_{i.ToString(CultureInfo.InvariantCulture)}")) + ")";
            ReadPiecesRows = count => $"SELECT piece, {rowColumns} FROM {pieceRows} WHERE piece IN {Pieces(count)}";
            // In the order of the locks' keys, so that two folds that share pieces never wait on each other in a circle.
            LockPieces = count => "SELECT " + dialect.ReportPieceLockOf("v.column1") + " FROM (VALUES " +
                string.Join(", ", Enumerable.Range(0, count).Select(i => $"(CAST(@piece_{i.ToString(CultureInfo.InvariantCulture)} AS TEXT))")) + ") v " +
                $"ORDER BY {dialect.ReportPieceLockOrder("v.column1")}";
            // The marks: a row a write, taken (deleted) by the fold that works them out.
            var marks = dialect.Table("payment_link_report_marks");
            InsertMarks = count => $"INSERT INTO {marks} (piece) VALUES " +
                string.Join(", ", Enumerable.Range(0, count).Select(i => $"(@m_{i.ToString(CultureInfo.InvariantCulture)})"));
            LastMark = $"SELECT MAX(mark_id) FROM {marks}";
            string TakeMarks(string wait) =>
                $"DELETE FROM {marks} WHERE mark_id IN (SELECT mark_id FROM {marks} WHERE mark_id <= @through ORDER BY mark_id LIMIT @batch FOR UPDATE{wait}) RETURNING piece";
            TakeMarksUnlocked = TakeMarks(" SKIP LOCKED");
            TakeMarksThrough = TakeMarks(string.Empty);
            ReadMarks = $"SELECT mark_id, piece FROM {marks} WHERE mark_id <= @through ORDER BY mark_id LIMIT @batch";
            DeleteMarksThrough = $"DELETE FROM {marks} WHERE mark_id <= @last";

            DeletePiecesRows = (from, count) =>
                $"DELETE FROM {pieceRows} WHERE piece IN (" + string.Join(", ", Enumerable.Range(from, count).Select(i => $"@replaced_{i.ToString(CultureInfo.InvariantCulture)}")) + ")";
            string RowValues(string suffix) => "(@" + string.Join(", @", rowColumns.Split(", ").Select(column => column + suffix)) + ")";
            InsertPieceRows = suffixes =>
                $"INSERT INTO {pieceRows} (piece, {rowColumns}) VALUES " + string.Join(", ", suffixes.Select(suffix => $"(@piece{suffix}, {RowValues(suffix)[1..]}"));
            InsertDeltas = suffixes => $"INSERT INTO {deltas} ({rowColumns}) VALUES " + string.Join(", ", suffixes.Select(RowValues));

            // The fold: delta rows summed into hourly and daily rows, then deleted.
            var sums = string.Join(", ", MeasureColumns.Select(column => $"SUM({column})"));
            var addUp = string.Join(", ", MeasureColumns.Select(column => $"{column} = a.{column} + excluded.{column}"));
            var conflict = $"ON CONFLICT (grain, bucket, {keyColumns}) DO UPDATE SET {addUp}";
            string FoldInto(string from, string where) =>
                $"INSERT INTO {aggregates} AS a (grain, bucket, {keyColumns}, {measures}) " +
                $"SELECT 'h', bucket_hour, {keyColumns}, {sums} FROM {from}{where} GROUP BY bucket_hour, {keyColumns} {conflict}";
            string FoldDays(string from, string where) =>
                $"INSERT INTO {aggregates} AS a (grain, bucket, {keyColumns}, {measures}) " +
                $"SELECT 'd', bucket_hour / 24, {keyColumns}, {sums} FROM {from}{where} GROUP BY bucket_hour / 24, {keyColumns} {conflict}";
            FoldLast = $"SELECT MAX(delta_id) FROM (SELECT delta_id FROM {deltas} ORDER BY delta_id LIMIT @batch) b";
            FoldThrough = $"{FoldInto(deltas, " WHERE delta_id <= @last")}; {FoldDays(deltas, " WHERE delta_id <= @last")}";
            CountPending = $"SELECT COUNT(*) FROM (SELECT delta_id FROM {deltas} LIMIT @batch) b";
            DeleteFoldedThrough = $"DELETE FROM {deltas} WHERE delta_id <= @last";
            FoldLocked =
                $"WITH moved AS (DELETE FROM {deltas} WHERE delta_id IN (SELECT delta_id FROM {deltas} ORDER BY delta_id LIMIT @batch " +
                $"FOR UPDATE SKIP LOCKED) RETURNING {rowColumns}), " +
                $"hours AS ({FoldInto("moved", string.Empty)} RETURNING 1), days AS ({FoldDays("moved", string.Empty)} RETURNING 1) " +
                "SELECT COUNT(*) FROM moved";

            static string Within(string column) => $"{column} >= @since AND {column} < @until";
            Moved =
                $"SELECT CASE WHEN EXISTS (SELECT 1 FROM {sessions} WHERE {Within("completed_at")}) " +
                $"OR EXISTS (SELECT 1 FROM {sessions} WHERE {Within("paid_at")}) " +
                $"OR EXISTS (SELECT 1 FROM {invoices} WHERE {Within("paid_at")}) " +
                $"OR EXISTS (SELECT 1 FROM {refunds} WHERE {Within("observed_at")}) " +
                $"OR EXISTS (SELECT 1 FROM {failedRefunds} WHERE {Within("failed_at")}) " +
                $"OR EXISTS (SELECT 1 FROM {disputes} WHERE {Within("status_at")}) THEN 1 ELSE 0 END";
            ReadBuilt = $"SELECT built FROM {state} WHERE name = 'aggregates'";
            MarkBuilt =
                $"INSERT INTO {state} (name, built) VALUES ('aggregates', 1) ON CONFLICT (name) DO UPDATE SET built = 1";

            // The rebuild's pages: every piece with money since @since, in the order of its id.
            RebuildSources =
            [
                ("s:", $"SELECT session_id FROM {sessions} WHERE session_id > @after AND (completed_at >= @since OR paid_at >= @since) ORDER BY session_id LIMIT @batch"),
                ("i:", $"SELECT invoice_id FROM {invoices} WHERE invoice_id > @after AND paid_at >= @since ORDER BY invoice_id LIMIT @batch"),
                ("c:", $"SELECT charge_id FROM (SELECT charge_id FROM {refunds} WHERE observed_at >= @since UNION SELECT charge_id FROM {failedRefunds} " +
                    "WHERE failed_at >= @since) c WHERE charge_id > @after ORDER BY charge_id LIMIT @batch"),
                ("d:", $"SELECT dispute_id FROM {disputes} WHERE dispute_id > @after AND status_at >= @since ORDER BY dispute_id LIMIT @batch"),
            ];

            var counted = $"model IN ('{AnyModel}', @model) AND livemode = @livemode AND (linked = 1 OR @all_sessions = 1)";
            var textKeys = "utm_source, utm_medium, utm_campaign, currency";
            Report =
                $"SELECT {textKeys}, {sums} FROM (" +
                $"SELECT {textKeys}, {measures} FROM {aggregates} WHERE grain = 'd' AND bucket >= @first_day AND bucket < @end_day AND {counted} " +
                $"UNION ALL SELECT {textKeys}, {measures} FROM {aggregates} WHERE grain = 'h' " +
                $"AND ((bucket >= @first_hour AND bucket < @hours_before) OR (bucket >= @hours_after AND bucket < @end_hour)) AND {counted} " +
                $"UNION ALL SELECT {textKeys}, {measures} FROM {deltas} WHERE bucket_hour >= @first_hour AND bucket_hour < @end_hour AND {counted}) x " +
                $"GROUP BY {textKeys}";
        }

        /// <summary>The facts of <c>count</c> sessions (@s_0, @s_1, ...), a row a session known to the ledger.</summary>
        public Func<int, string> SessionFacts { get; }

        /// <summary>The facts of <c>count</c> renewals (@i_0, ...) with their owners, a row a renewal paid.</summary>
        public Func<int, string> RenewalFacts { get; }

        /// <summary>The facts of <c>count</c> charges (@c_0, ...) with their owners; their refund statements; their failed refunds.</summary>
        public Func<int, string> ChargeFacts { get; }

        /// <summary>The facts of <c>count</c> disputes (@d_0, ...) with their owners, a row a dispute lost.</summary>
        public Func<int, string> DisputeFacts { get; }

        /// <summary>The touches of <c>count</c> sessions (@t_0, ...), each row led by its session's id and time.</summary>
        public Func<int, string> TouchesOf { get; }

        /// <summary>Every click of the visitors of the <c>count</c> clicks given (@k_0, ...).</summary>
        public Func<int, string> ClicksOfVisitorsOf { get; }

        /// <summary>Every click of @visitor_id.</summary>
        public string ClicksOfVisitor { get; }

        /// <summary>The sessions that name one of <c>count</c> clicks (@n_0, ...).</summary>
        public Func<int, string> SessionsNaming { get; }

        /// <summary>The other pieces <c>count</c> sessions own (@e_0, ...): their renewals, their charges' refunds, their disputes.</summary>
        public Func<int, string> PiecesOfSessions { get; }

        /// <summary>The refunds and disputes of <c>count</c> invoices' payments (@f_0, ...).</summary>
        public Func<int, string> PiecesOfInvoices { get; }

        /// <summary>Inserts <c>count</c> marks (@m_0, ...).</summary>
        public Func<int, string> InsertMarks { get; }

        public string LastMark { get; }

        /// <summary>Takes up to @batch marks through @through that no other fold holds (PostgreSQL), their pieces returned.</summary>
        public string TakeMarksUnlocked { get; }

        /// <summary>Takes up to @batch marks through @through, waiting for those another fold holds (PostgreSQL).</summary>
        public string TakeMarksThrough { get; }

        /// <summary>Up to @batch marks through @through, oldest first, with their ids (SQLite, one writer at a time).</summary>
        public string ReadMarks { get; }

        public string DeleteMarksThrough { get; }

        public string SessionsOfKey { get; }

        public string InvoicesOfKey { get; }

        /// <summary>The kept rows of <c>count</c> pieces (@piece_0, ...), each row with its piece first.</summary>
        public Func<int, string> ReadPiecesRows { get; }

        /// <summary>Locks <c>count</c> pieces (@piece_0, ...) in their order, where the engine has piece locks.</summary>
        public Func<int, string> LockPieces { get; }

        /// <summary>Deletes the kept rows of <c>count</c> pieces (@replaced_from, ...).</summary>
        public Func<int, int, string> DeletePiecesRows { get; }

        /// <summary>Inserts kept rows, one a suffix given, each row's parameters (@piece too) named with its suffix.</summary>
        public Func<IReadOnlyList<string>, string> InsertPieceRows { get; }

        /// <summary>Inserts delta rows, one a suffix given, each row's parameters named with its suffix.</summary>
        public Func<IReadOnlyList<string>, string> InsertDeltas { get; }

        public string FoldLast { get; }

        public string FoldThrough { get; }

        public string DeleteFoldedThrough { get; }

        public string CountPending { get; }

        public string FoldLocked { get; }

        public string Moved { get; }

        public string ReadBuilt { get; }

        public string MarkBuilt { get; }

        public (string Prefix, string Sql)[] RebuildSources { get; }

        public string Report { get; }

        /// <summary>The statement that reads the facts of <paramref name="count"/> pieces of <paramref name="kind"/>.</summary>
        public string FactsOf(char kind, int count) => kind switch
        {
            's' => SessionFacts(count),
            'i' => RenewalFacts(count),
            'c' => ChargeFacts(count),
            _ => DisputeFacts(count),
        };
    }
}
