using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// The campaign report's aggregates, kept on write. Each fact the report reads belongs to one piece (a session, a
/// renewal, a charge's refunds, a dispute); every write that changes a piece works the piece's rows out again in the
/// write's own transaction and inserts the difference as delta rows, keyed by hour (UTC), campaign, currency, mode and
/// attribution model. Writers only insert, so no row is shared by them all; <see cref="FoldAsync"/> moves the delta
/// rows, in batches, into hourly and daily sums. The report reads the sums for whole days and hours, the delta rows not
/// folded yet, and the ledger's rows (the scan, <see cref="AttributionLedger.ReportAsync(DateTimeOffset?, DateTimeOffset?, PaymentLinkMode, AttributionModel, bool, CancellationToken)"/>) only for a partial
/// first or last hour.
/// </summary>
/// <remarks>
/// A piece's rows are a function of the ledger alone, so working one out again is harmless: a redelivery adds nothing,
/// and <see cref="RebuildAsync"/> can work every piece out again while writes go on. On PostgreSQL two writers of one
/// piece take turns on a transaction-scoped lock of the piece.
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

    /// <summary>In an event's <paramref name="unit"/>: works out again every piece the event may have changed.</summary>
    public async Task RefreshForEventAsync(LedgerUnit unit, PaymentLinkEvent paymentLinkEvent, CancellationToken cancellationToken)
    {
        var pieces = new SortedSet<string>(StringComparer.Ordinal);
        switch (paymentLinkEvent)
        {
            case { IsCheckoutKind: true, Checkout: { } checkout }:
                await RefreshSessionAndItsMoneyAsync(unit, checkout.SessionId, cancellationToken).ConfigureAwait(false);
                return;
            case { Kind: PaymentLinkEventKind.ChargeRefunded, Charge: { } charge }:
                pieces.Add("c:" + charge.ChargeId);
                break;
            case { Kind: PaymentLinkEventKind.RefundUpdated, Refund: { ChargeId: { } chargeId, Status: "failed" or "canceled" } }:
                pieces.Add("c:" + chargeId);
                break;
            case { Kind: PaymentLinkEventKind.DisputeCreated or PaymentLinkEventKind.DisputeClosed, Dispute: { } dispute }:
                pieces.Add("d:" + dispute.DisputeId);
                break;
            case { Kind: PaymentLinkEventKind.InvoicePaid or PaymentLinkEventKind.InvoicePaymentPaid, Invoice: { } invoice }:
                await AddInvoicePiecesAsync(unit, invoice.InvoiceId, pieces, cancellationToken).ConfigureAwait(false);
                break;
            default:
                return;
        }

        await RefreshAsync(unit, pieces, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>In a visit's <paramref name="unit"/>: the session's campaign may have changed, and with it all its money's.</summary>
    public async Task RefreshSessionAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        await RefreshSessionAndItsMoneyAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>In the <paramref name="unit"/> that registered a campaign key: the sessions and renewals that name it.</summary>
    public async Task RefreshCampaignKeyAsync(LedgerUnit unit, string campaignKey, CancellationToken cancellationToken)
    {
        var pieces = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var sessionId in await ReadTextsAsync(unit, _sql.SessionsOfKey, "campaign_key", campaignKey, cancellationToken).ConfigureAwait(false))
        {
            await AddSessionPiecesAsync(unit, sessionId, pieces, cancellationToken).ConfigureAwait(false);
        }

        foreach (var invoiceId in await ReadTextsAsync(unit, _sql.InvoicesOfKey, "campaign_key", campaignKey, cancellationToken).ConfigureAwait(false))
        {
            await AddInvoicePiecesAsync(unit, invoiceId, pieces, cancellationToken).ConfigureAwait(false);
        }

        await RefreshAsync(unit, pieces, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// In the <paramref name="unit"/> that wrote <paramref name="clickIds"/>: a click written after its session (the queued
    /// writer writes in batches, so a webhook may come first), or older than clicks written before it, changes the touches
    /// of its visitor's sessions. Each session that names a click of the clicks' visitors is worked out again, with its money.
    /// </summary>
    public async Task RefreshForClicksAsync(LedgerUnit unit, IReadOnlyList<string> clickIds, CancellationToken cancellationToken)
    {
        var sessions = new SortedSet<string>(StringComparer.Ordinal);
        const int Chunk = 500;
        for (var first = 0; first < clickIds.Count; first += Chunk)
        {
            var count = Math.Min(Chunk, clickIds.Count - first);
            await using var find = unit.Command(_sql.SessionsOfVisitors(count));
            for (var i = 0; i < count; i++)
            {
                LedgerDialect.AddParameter(find, $"click_id_{i}", clickIds[first + i], DbType.String);
            }

            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sessions.Add(reader.GetString(0));
            }
        }

        await RefreshSessionsAsync(unit, sessions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sessions that name a click of <paramref name="visitorId"/>: those whose touches its clicks are.</summary>
    public async Task<List<string>> SessionsOfVisitorAsync(LedgerUnit unit, string visitorId, CancellationToken cancellationToken) =>
        await ReadTextsAsync(unit, _sql.SessionsOfVisitor, "visitor_id", visitorId, cancellationToken).ConfigureAwait(false);

    /// <summary>Works sessions out again with their money (after their touches changed: a click written or erased).</summary>
    public async Task RefreshSessionsAsync(LedgerUnit unit, IEnumerable<string> sessionIds, CancellationToken cancellationToken)
    {
        foreach (var sessionId in sessionIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await RefreshSessionAndItsMoneyAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A session and the money that belongs to it, the session's own piece read in one round trip: its lock, the other
    /// pieces it owns, its kept rows and its facts; then the others, in their order.
    /// </summary>
    private async Task RefreshSessionAndItsMoneyAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        var piece = "s:" + sessionId;
        var others = new SortedSet<string>(StringComparer.Ordinal);
        Dictionary<RowKey, long[]> stored, fresh;
        await using (var read = unit.Command(_sql.SessionRefresh))
        {
            LedgerDialect.AddParameter(read, "piece", piece, DbType.String);
            LedgerDialect.AddParameter(read, "session_id", sessionId, DbType.String);
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (_dialect.ReportPieceLock is not null)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                others.Add(reader.GetString(0));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            stored = await ReadStoredRowsAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            fresh = await ReadSessionRowsAsync(reader, cancellationToken).ConfigureAwait(false);
        }

        await WriteChangesAsync(unit, piece, fresh, stored, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(unit, others, cancellationToken).ConfigureAwait(false);
    }

    private async Task AddSessionPiecesAsync(LedgerUnit unit, string sessionId, SortedSet<string> pieces, CancellationToken cancellationToken)
    {
        pieces.Add("s:" + sessionId);
        pieces.UnionWith(await ReadTextsAsync(unit, _sql.PiecesOfSession, "session_id", sessionId, cancellationToken).ConfigureAwait(false));
    }

    private async Task AddInvoicePiecesAsync(LedgerUnit unit, string invoiceId, SortedSet<string> pieces, CancellationToken cancellationToken)
    {
        pieces.Add("i:" + invoiceId);
        pieces.UnionWith(await ReadTextsAsync(unit, _sql.PiecesOfInvoice, "invoice_id", invoiceId, cancellationToken).ConfigureAwait(false));
    }

    private async Task<List<string>> ReadTextsAsync(LedgerUnit unit, string sql, string name, string value, CancellationToken cancellationToken)
    {
        await using var command = unit.Command(sql);
        LedgerDialect.AddParameter(command, name, value, DbType.String);
        var texts = new List<string>();
        await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            texts.Add(reader.GetString(0));
        }

        return texts;
    }

    /// <summary>
    /// Works each piece out again (in the pieces' order, so that two writers lock them in the same order), and when its
    /// rows changed, keeps the new rows and inserts their difference from the old ones as delta rows.
    /// </summary>
    internal async Task RefreshAsync(LedgerUnit unit, IEnumerable<string> pieces, CancellationToken cancellationToken)
    {
        foreach (var piece in pieces)
        {
            if (_dialect.ReportPieceLock is { } lockSql)
            {
                await using var take = unit.Command(lockSql);
                LedgerDialect.AddParameter(take, "piece", piece, DbType.String);
                await PrepareAsync(take, cancellationToken).ConfigureAwait(false);
                await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var fresh = await ComputeAsync(unit, piece, cancellationToken).ConfigureAwait(false);
            var stored = await ReadStoredAsync(unit, piece, cancellationToken).ConfigureAwait(false);
            await WriteChangesAsync(unit, piece, fresh, stored, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps a piece's new rows and inserts their difference from the old ones as delta rows; nothing when they are the same.</summary>
    private async Task WriteChangesAsync(
        LedgerUnit unit, string piece, Dictionary<RowKey, long[]> fresh, Dictionary<RowKey, long[]> stored, CancellationToken cancellationToken)
    {
        if (Same(fresh, stored))
        {
            return;
        }

        var sql = new StringBuilder();
        await using var write = unit.Command(string.Empty);
        LedgerDialect.AddParameter(write, "piece", piece, DbType.String);
        if (stored.Count > 0)
        {
            sql.Append(_sql.DeletePieceRows).Append(';');
        }

        var index = 0;
        foreach (var (key, values) in fresh)
        {
            AddRow(write, sql, _sql.InsertPieceRow, index++, key, values);
        }

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
                AddRow(write, sql, _sql.InsertDelta, index++, key, difference);
            }
        }

        write.CommandText = sql.ToString();
        await PrepareAsync(write, cancellationToken).ConfigureAwait(false);
        await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddRow(DbCommand command, StringBuilder sql, Func<string, string> template, int index, RowKey key, long[] values)
    {
        var suffix = "_" + index.ToString(CultureInfo.InvariantCulture);
        sql.Append(template(suffix)).Append(';');
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
    /// On an engine with several writers (PostgreSQL), a statement of the write path is prepared: the driver keeps it
    /// prepared on the pooled connection, so that its plan is not made again at every event.
    /// </summary>
    private ValueTask PrepareAsync(DbCommand command, CancellationToken cancellationToken) =>
        _dialect.ConcurrentWriters ? new ValueTask(command.PrepareAsync(cancellationToken)) : ValueTask.CompletedTask;

    private static bool Same(Dictionary<RowKey, long[]> fresh, Dictionary<RowKey, long[]> stored) =>
        fresh.Count == stored.Count && fresh.All(row => stored.TryGetValue(row.Key, out var values) && values.AsSpan().SequenceEqual(row.Value));

    private async Task<Dictionary<RowKey, long[]>> ReadStoredAsync(LedgerUnit unit, string piece, CancellationToken cancellationToken)
    {
        await using var read = unit.Command(_sql.ReadPieceRows);
        LedgerDialect.AddParameter(read, "piece", piece, DbType.String);
        await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadStoredRowsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Dictionary<RowKey, long[]>> ReadStoredRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<RowKey, long[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = new RowKey(
                LedgerStore.ToInt64(reader.GetValue(0)),
                reader.GetString(1),
                LedgerStore.ToInt64(reader.GetValue(2)) != 0,
                LedgerStore.ToInt64(reader.GetValue(3)) != 0,
                reader.GetString(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.GetString(7));
            var values = new long[MeasureColumns.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = LedgerStore.ToInt64(reader.GetValue(8 + i));
            }

            rows[key] = values;
        }

        return rows;
    }

    /// <summary>A piece's rows as the ledger states them now.</summary>
    private Task<Dictionary<RowKey, long[]>> ComputeAsync(LedgerUnit unit, string piece, CancellationToken cancellationToken)
    {
        var id = piece[2..];
        return piece[0] switch
        {
            's' => ComputeSessionAsync(unit, id, cancellationToken),
            'i' => ComputeRenewalAsync(unit, id, cancellationToken),
            'c' => ComputeChargeAsync(unit, id, cancellationToken),
            _ => ComputeDisputeAsync(unit, id, cancellationToken),
        };
    }

    // A session: counted in the hour it completed (with its visit and the source of its campaign), paid in the hour it was paid.
    private async Task<Dictionary<RowKey, long[]>> ComputeSessionAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        await using var read = unit.Command(_sql.SessionPiece);
        LedgerDialect.AddParameter(read, "session_id", sessionId, DbType.String);
        await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadSessionRowsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Dictionary<RowKey, long[]>> ReadSessionRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<RowKey, long[]>();
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return rows;
        }

        var livemode = LedgerStore.ToInt64(reader.GetValue(0)) != 0;
        var linked = LedgerStore.ToInt64(reader.GetValue(1)) != 0;
        var currency = Encode(LedgerStore.StringOrNull(reader, 2));
        var (completedAt, paidAt) = (_dialect.ReadTime(reader, 3), _dialect.ReadTime(reader, 4));
        var paid = LedgerStore.ToInt64(reader.GetValue(5)) != 0;
        var (amount, tax) = (LedgerStore.ToInt64(reader.GetValue(6)), LedgerStore.ToInt64(reader.GetValue(7)));
        var codes = new Codes(Encode(LedgerStore.StringOrNull(reader, 8)), Encode(LedgerStore.StringOrNull(reader, 9)), Encode(LedgerStore.StringOrNull(reader, 10)));
        var source = LedgerStore.ToInt64(reader.GetValue(11));
        var visited = LedgerStore.ToInt64(reader.GetValue(12));
        var sessionAt = _dialect.ReadTime(reader, 13);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var touches = await ReadTouchesAsync(reader, sessionAt, cancellationToken).ConfigureAwait(false);
        var target = new Target(livemode, linked, currency, codes, touches);
        if (completedAt is { } completed)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Sessions] = 1;
            values[(int)Measure.Visits] = visited;
            values[(int)Measure.ByVisit] = source == 1 ? 1 : 0;
            values[(int)Measure.ByReference] = source == 2 ? 1 : 0;
            values[(int)Measure.ByLink] = source == 3 ? 1 : 0;
            AddRows(rows, HourOf(completed), target, values, 0);
        }

        if (paid && paidAt is { } paidTime)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Paid] = 1;
            values[(int)Measure.Gross] = amount;
            values[(int)Measure.Tax] = tax;
            AddRows(rows, HourOf(paidTime), target, values, 0);
        }

        return rows;
    }

    /// <summary>A session's touches as the touches' SQL reads them (see <see cref="AttributionLedger.TouchesSql"/>), kept to its window.</summary>
    private async Task<AttributionLedger.SessionTouches?> ReadTouchesAsync(DbDataReader reader, DateTimeOffset? sessionAt, CancellationToken cancellationToken)
    {
        List<AttributionLedger.TouchRow>? found = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            (found ??= []).Add(attribution.ReadTouch(reader, 0));
        }

        return found is null || sessionAt is null ? null : attribution.InWindow(found, sessionAt.Value);
    }

    /// <summary>
    /// The rows of a piece's <paramref name="values"/> in an hour: under <see cref="AnyModel"/> when its session names no
    /// click the ledger knows; otherwise under each model, each touch's share (as the report by model splits it, see
    /// <see cref="AttributionLedger.Shares"/>) under the touch's campaign, the session's own click without codes standing
    /// for the session's campaign. The one place a piece's rows are made: the write path and the rebuild both come here.
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

    // A renewal: its payment in the hour it was paid, under the campaign of the session that started its subscription.
    private async Task<Dictionary<RowKey, long[]>> ComputeRenewalAsync(LedgerUnit unit, string invoiceId, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<RowKey, long[]>();
        DateTimeOffset paidAt;
        long amount, tax;
        string? currency, owner;
        bool livemode;
        await using (var read = unit.Command(_sql.RenewalPiece))
        {
            LedgerDialect.AddParameter(read, "invoice_id", invoiceId, DbType.String);
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return rows;
            }

            paidAt = _dialect.ReadTime(reader, 0)!.Value;
            (amount, tax) = (LedgerStore.ToInt64(reader.GetValue(1)), LedgerStore.ToInt64(reader.GetValue(2)));
            currency = LedgerStore.StringOrNull(reader, 3);
            livemode = LedgerStore.ToInt64(reader.GetValue(4)) != 0;
            owner = LedgerStore.StringOrNull(reader, 5);
        }

        if (await AttributeAsync(unit, owner, invoiceId, livemode, currency, cancellationToken).ConfigureAwait(false) is { } target)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Gross] = amount;
            values[(int)Measure.Renewals] = 1;
            values[(int)Measure.RenewalRevenue] = amount;
            values[(int)Measure.Tax] = tax;
            AddRows(rows, HourOf(paidAt), target, values, 0);
        }

        return rows;
    }

    // A charge's refunds: in each hour its refunded amount moved, by how much (a failed refund gives money back).
    private async Task<Dictionary<RowKey, long[]>> ComputeChargeAsync(LedgerUnit unit, string chargeId, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<RowKey, long[]>();
        string? paymentIntent, invoiceId, currency;
        bool livemode;
        await using (var read = unit.Command(_sql.ChargePiece))
        {
            LedgerDialect.AddParameter(read, "charge_id", chargeId, DbType.String);
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || LedgerStore.ToInt64(reader.GetValue(4)) == 0)
            {
                return rows;
            }

            (paymentIntent, invoiceId, currency) = (LedgerStore.StringOrNull(reader, 0), LedgerStore.StringOrNull(reader, 1), LedgerStore.StringOrNull(reader, 2));
            livemode = LedgerStore.ToInt64(reader.GetValue(3)) != 0;
        }

        var hours = new SortedSet<long>();
        await using (var read = unit.Command(_sql.ChargeMoments))
        {
            LedgerDialect.AddParameter(read, "charge_id", chargeId, DbType.String);
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hours.Add(HourOf(_dialect.ReadTime(reader, 0)!.Value));
            }
        }

        var moved = new List<(long Hour, long Amount, long Before)>();
        await using (var amounts = unit.Command(_sql.ChargeMovedIn(hours.Count)))
        {
            LedgerDialect.AddParameter(amounts, "charge_id", chargeId, DbType.String);
            var index = 0;
            foreach (var hour in hours)
            {
                _dialect.AddTime(amounts, $"since_{index}", HourStart(hour));
                _dialect.AddTime(amounts, $"until_{index++}", HourStart(hour + 1));
            }

            await PrepareAsync(amounts, cancellationToken).ConfigureAwait(false);
            await using var reader = await amounts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            index = 0;
            foreach (var hour in hours)
            {
                var (atEnd, atStart) = (LedgerStore.ToInt64(reader.GetValue(index)), LedgerStore.ToInt64(reader.GetValue(index + 1)));
                index += 2;
                if (atEnd - atStart is var amount and not 0)
                {
                    moved.Add((hour, amount, atStart));
                }
            }
        }

        if (moved.Count == 0)
        {
            return rows;
        }

        var (owner, ownerInvoice) = await OwnerOfPaymentAsync(unit, paymentIntent, invoiceId, cancellationToken).ConfigureAwait(false);
        if (await AttributeAsync(unit, owner, ownerInvoice, livemode, currency, cancellationToken).ConfigureAwait(false) is { } target)
        {
            // Each hour the change of the charge's refunded amount to date (see AttributionLedger.Shares).
            foreach (var (hour, amount, before) in moved)
            {
                var values = new long[MeasureColumns.Length];
                values[(int)Measure.Refunded] = amount;
                AddRows(rows, hour, target, values, before);
            }
        }

        return rows;
    }

    // A dispute lost: its amount in the hour of its status.
    private async Task<Dictionary<RowKey, long[]>> ComputeDisputeAsync(LedgerUnit unit, string disputeId, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<RowKey, long[]>();
        DateTimeOffset statusAt;
        long amount;
        string? currency, paymentIntent;
        bool livemode;
        await using (var read = unit.Command(_sql.DisputePiece))
        {
            LedgerDialect.AddParameter(read, "dispute_id", disputeId, DbType.String);
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return rows;
            }

            statusAt = _dialect.ReadTime(reader, 0)!.Value;
            amount = LedgerStore.ToInt64(reader.GetValue(1));
            currency = LedgerStore.StringOrNull(reader, 2);
            livemode = LedgerStore.ToInt64(reader.GetValue(3)) != 0;
            paymentIntent = LedgerStore.StringOrNull(reader, 4);
        }

        var (owner, ownerInvoice) = await OwnerOfPaymentAsync(unit, paymentIntent, null, cancellationToken).ConfigureAwait(false);
        if (await AttributeAsync(unit, owner, ownerInvoice, livemode, currency, cancellationToken).ConfigureAwait(false) is { } target)
        {
            var values = new long[MeasureColumns.Length];
            values[(int)Measure.Disputed] = amount;
            AddRows(rows, HourOf(statusAt), target, values, 0);
        }

        return rows;
    }

    /// <summary>The session a payment belongs to (its own, or the one that started the subscription whose invoice it paid), and that invoice.</summary>
    private async Task<(string? Session, string? Invoice)> OwnerOfPaymentAsync(
        LedgerUnit unit, string? paymentIntent, string? invoiceId, CancellationToken cancellationToken)
    {
        await using var read = unit.Command(_sql.OwnerOfPayment);
        LedgerDialect.AddParameter(read, "payment_intent", paymentIntent, DbType.String);
        LedgerDialect.AddParameter(read, "invoice_id", invoiceId, DbType.String);
        await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (LedgerStore.StringOrNull(reader, 0) ?? LedgerStore.StringOrNull(reader, 2), LedgerStore.StringOrNull(reader, 1));
    }

    /// <summary>
    /// Where a later piece of money goes: its session's campaign and touches when the session is known (none when the
    /// session is of the other mode: the report never counts it), otherwise the campaign its invoice's subscription names.
    /// The session's campaign and touches are read in one round trip.
    /// </summary>
    private async Task<Target?> AttributeAsync(
        LedgerUnit unit, string? owner, string? invoiceId, bool livemode, string? currency, CancellationToken cancellationToken)
    {
        if (owner is not null)
        {
            await using var read = unit.Command(_sql.OwnerCampaign);
            LedgerDialect.AddParameter(read, "session_id", owner, DbType.String);
            if (_dialect.ReportPieceLock is not null)
            {
                LedgerDialect.AddParameter(read, "piece", "s:" + owner, DbType.String);
            }

            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (_dialect.ReportPieceLock is not null)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var linked = true;
            if (!reader.IsDBNull(0))
            {
                if ((LedgerStore.ToInt64(reader.GetValue(0)) != 0) != livemode)
                {
                    return null;
                }

                linked = LedgerStore.ToInt64(reader.GetValue(1)) != 0;
            }

            var codes = new Codes(Encode(LedgerStore.StringOrNull(reader, 2)), Encode(LedgerStore.StringOrNull(reader, 3)), Encode(LedgerStore.StringOrNull(reader, 4)));
            var sessionAt = _dialect.ReadTime(reader, 7);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var touches = await ReadTouchesAsync(reader, sessionAt, cancellationToken).ConfigureAwait(false);
            return new Target(livemode, linked, Encode(currency), codes, touches);
        }

        string? source = null, medium = null, campaign = null;
        if (invoiceId is not null)
        {
            await using var read = unit.Command(_sql.InvoiceCampaign);
            LedgerDialect.AddParameter(read, "invoice_id", invoiceId, DbType.String);
            await PrepareAsync(read, cancellationToken).ConfigureAwait(false);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (source, medium, campaign) = (LedgerStore.StringOrNull(reader, 0), LedgerStore.StringOrNull(reader, 1), LedgerStore.StringOrNull(reader, 2));
            }
        }

        return new Target(livemode, true, Encode(currency), new Codes(Encode(source), Encode(medium), Encode(campaign)), null);
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
    /// ledger, <paramref name="batchSize"/> pieces a transaction, while writes go on; then folds. A whole rebuild marks the
    /// aggregates built. Returns the number of pieces worked out.
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
                var ids = new List<string>();
                await using (var page = unit.Command(sql))
                {
                    LedgerDialect.AddParameter(page, "after", after, DbType.String);
                    _dialect.AddTime(page, "since", since ?? DateTimeOffset.UnixEpoch.AddYears(-1000));
                    LedgerDialect.AddParameter(page, "batch", batchSize, DbType.Int64);
                    await using var reader = await page.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        ids.Add(reader.GetString(0));
                    }
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

        // More delta rows than a fold's batch: folded first, so that the read stays short.
        if (await PendingDeltasAsync(cancellationToken).ConfigureAwait(false) > FoldBatch)
        {
            await FoldAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
        }

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
        private readonly LedgerDialect _dialect;

        public AggregateStatements(LedgerDialect dialect)
        {
            _dialect = dialect;
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
            // The session's time (the attribution window ends there) and its touches: none when it names no click the ledger knows.
            const string SessionAt = "COALESCE(s.completed_at, s.paid_at, s.first_recorded_at)";
            var clicks = dialect.Table("payment_link_clicks");
            SessionTouches = AttributionLedger.TouchesSql(
                dialect, $"{sessions} s JOIN {clicks} own ON own.click_id = {ClickLedger.ClickIdOf("s.client_reference_id")}", "s.session_id = @session_id");

            // The sessions that name a click of the visitors of the clicks given (through the index of schema version 17).
            var clickIdOfSession = ClickLedger.ClickIdOf("s.client_reference_id");
            SessionsOfVisitors = count =>
                $"SELECT DISTINCT s.session_id FROM {clicks} v JOIN {clicks} c ON c.visitor_id = v.visitor_id " +
                $"JOIN {sessions} s ON {clickIdOfSession} = c.click_id " +
                $"WHERE v.click_id IN ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"@click_id_{i}"))}) AND {clickIdOfSession} IS NOT NULL";
            SessionsOfVisitor =
                $"SELECT DISTINCT s.session_id FROM {clicks} c JOIN {sessions} s ON {clickIdOfSession} = c.click_id " +
                $"WHERE c.visitor_id = @visitor_id AND {clickIdOfSession} IS NOT NULL";

            string CampaignJoins(string sessionId) =>
                $"LEFT JOIN {visits} v ON v.session_id = {sessionId} LEFT JOIN {campaigns} c ON c.session_id = {sessionId} " +
                $"LEFT JOIN {keys} k ON k.campaign_key = c.campaign_key";

            SessionPiece =
                "SELECT s.livemode, CASE WHEN s.payment_link_id IS NOT NULL THEN 1 ELSE 0 END, s.currency, s.completed_at, s.paid_at, " +
                "CASE WHEN s.payment_status IN ('paid', 'no_payment_required') THEN 1 ELSE 0 END, COALESCE(s.amount_total, 0), " +
                $"COALESCE(p.amount_tax, 0), {campaign}, {SessionAt} " +
                $"FROM {sessions} s LEFT JOIN {sessionPayments} p ON p.session_id = s.session_id {CampaignJoins("s.session_id")} " +
                "WHERE s.session_id = @session_id; " + SessionTouches;
            // On PostgreSQL under the session's lock: a click written at the same moment either is seen here, or sees this
            // piece when it works the session's money out again.
            OwnerCampaign = (dialect.ReportPieceLock is { } ownerLock ? ownerLock + "; " : string.Empty) +
                $"SELECT s.livemode, CASE WHEN s.payment_link_id IS NOT NULL THEN 1 ELSE 0 END, {campaign}, {SessionAt} " +
                $"FROM (SELECT CAST(@session_id AS TEXT) AS session_id) m LEFT JOIN {sessions} s ON s.session_id = m.session_id " +
                CampaignJoins("m.session_id") + "; " + SessionTouches;
            InvoiceCampaign =
                "SELECT CASE WHEN k.campaign_key IS NOT NULL THEN k.utm_source ELSE i.utm_source END, " +
                "CASE WHEN k.campaign_key IS NOT NULL THEN k.utm_medium ELSE i.utm_medium END, " +
                "CASE WHEN k.campaign_key IS NOT NULL THEN k.utm_campaign ELSE i.utm_campaign END " +
                $"FROM {invoices} i LEFT JOIN {keys} k ON k.campaign_key = i.campaign_key WHERE i.invoice_id = @invoice_id";
            RenewalPiece =
                "SELECT i.paid_at, i.amount_paid, i.amount_tax, i.currency, i.livemode, " +
                $"(SELECT p.session_id FROM {sessionPayments} p WHERE p.subscription_id = i.subscription_id ORDER BY p.session_id LIMIT 1) " +
                $"FROM {invoices} i WHERE i.invoice_id = @invoice_id AND i.billing_reason IN ('subscription_cycle', 'subscription_update') " +
                "AND i.amount_paid > 0";
            ChargePiece =
                "SELECT MAX(payment_intent), MAX(invoice_id), MAX(currency), MAX(CASE WHEN livemode THEN 1 ELSE 0 END), COUNT(*) " +
                $"FROM {refunds} WHERE charge_id = @charge_id";
            ChargeMoments =
                $"SELECT observed_at FROM {refunds} WHERE charge_id = @charge_id UNION ALL SELECT failed_at FROM {failedRefunds} WHERE charge_id = @charge_id";
            OwnerOfPayment =
                $"SELECT (SELECT p.session_id FROM {sessionPayments} p WHERE p.payment_intent = x.payment_intent ORDER BY p.session_id LIMIT 1), x.invoice_id, " +
                $"(SELECT p.session_id FROM {invoices} i JOIN {sessionPayments} p ON p.subscription_id = i.subscription_id " +
                "WHERE i.invoice_id = x.invoice_id ORDER BY p.session_id LIMIT 1) " +
                "FROM (SELECT y.payment_intent, COALESCE(y.invoice_id, " +
                $"(SELECT ip.invoice_id FROM {invoicePayments} ip WHERE ip.payment_intent = y.payment_intent)) AS invoice_id " +
                "FROM (SELECT CAST(@payment_intent AS TEXT) AS payment_intent, CAST(@invoice_id AS TEXT) AS invoice_id) y) x";
            DisputePiece =
                "SELECT status_at, amount, currency, livemode, payment_intent " +
                $"FROM {disputes} WHERE dispute_id = @dispute_id AND status = 'lost'";

            PiecesOfSession =
                $"SELECT 'i:' || i.invoice_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id WHERE p.session_id = @session_id " +
                $"UNION SELECT 'c:' || r.charge_id FROM {sessionPayments} p JOIN {refunds} r ON r.payment_intent = p.payment_intent WHERE p.session_id = @session_id " +
                $"UNION SELECT 'c:' || r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {refunds} r ON r.invoice_id = i.invoice_id WHERE p.session_id = @session_id " +
                $"UNION SELECT 'c:' || r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {invoicePayments} ip ON ip.invoice_id = i.invoice_id JOIN {refunds} r ON r.payment_intent = ip.payment_intent WHERE p.session_id = @session_id " +
                $"UNION SELECT 'd:' || d.dispute_id FROM {sessionPayments} p JOIN {disputes} d ON d.payment_intent = p.payment_intent WHERE p.session_id = @session_id " +
                $"UNION SELECT 'd:' || d.dispute_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {invoicePayments} ip ON ip.invoice_id = i.invoice_id JOIN {disputes} d ON d.payment_intent = ip.payment_intent WHERE p.session_id = @session_id";
            PiecesOfInvoice =
                $"SELECT 'c:' || charge_id FROM {refunds} WHERE invoice_id = @invoice_id " +
                $"UNION SELECT 'c:' || r.charge_id FROM {invoicePayments} ip JOIN {refunds} r ON r.payment_intent = ip.payment_intent WHERE ip.invoice_id = @invoice_id " +
                $"UNION SELECT 'd:' || d.dispute_id FROM {invoicePayments} ip JOIN {disputes} d ON d.payment_intent = ip.payment_intent WHERE ip.invoice_id = @invoice_id";
            SessionsOfKey = $"SELECT session_id FROM {campaigns} WHERE campaign_key = @campaign_key";
            InvoicesOfKey = $"SELECT invoice_id FROM {invoices} WHERE campaign_key = @campaign_key";

            ReadPieceRows = $"SELECT {rowColumns} FROM {pieceRows} WHERE piece = @piece";
            SessionRefresh = (dialect.ReportPieceLock is { } pieceLock ? pieceLock + "; " : string.Empty) +
                $"{PiecesOfSession}; {ReadPieceRows}; {SessionPiece}";
            DeletePieceRows = $"DELETE FROM {pieceRows} WHERE piece = @piece";
            string RowValues(string suffix) => "@" + string.Join(", @", rowColumns.Split(", ").Select(column => column + suffix));
            InsertPieceRow = suffix => $"INSERT INTO {pieceRows} (piece, {rowColumns}) VALUES (@piece, {RowValues(suffix)})";
            InsertDelta = suffix => $"INSERT INTO {deltas} ({rowColumns}) VALUES ({RowValues(suffix)})";

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

        /// <summary>A session's facts, then its touches.</summary>
        public string SessionPiece { get; }

        /// <summary>A session's touches (see <see cref="AttributionLedger.TouchesSql"/>).</summary>
        public string SessionTouches { get; }

        /// <summary>The sessions that name a click of the visitors of the <c>count</c> clicks given (@click_id_0, ...).</summary>
        public Func<int, string> SessionsOfVisitors { get; }

        /// <summary>The sessions that name a click of @visitor_id.</summary>
        public string SessionsOfVisitor { get; }

        /// <summary>A later piece's session (under its lock, where the engine has one): its mode, whether made by a payment link, its campaign and time; then its touches.</summary>
        public string OwnerCampaign { get; }

        public string InvoiceCampaign { get; }

        public string RenewalPiece { get; }

        public string ChargePiece { get; }

        public string ChargeMoments { get; }

        public string OwnerOfPayment { get; }

        public string DisputePiece { get; }

        public string PiecesOfSession { get; }

        public string PiecesOfInvoice { get; }

        public string SessionsOfKey { get; }

        public string InvoicesOfKey { get; }

        public string ReadPieceRows { get; }

        /// <summary>A session's lock (where the engine has one), the other pieces it owns, its kept rows and its facts.</summary>
        public string SessionRefresh { get; }

        public string DeletePieceRows { get; }

        /// <summary>Inserts a piece's row, its parameters named with the suffix given.</summary>
        public Func<string, string> InsertPieceRow { get; }

        /// <summary>Inserts a delta row, its parameters named with the suffix given.</summary>
        public Func<string, string> InsertDelta { get; }

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

        /// <summary>A charge's refunded amount at the end and at the start of each of <paramref name="count"/> periods (@until_i, @since_i).</summary>
        public string ChargeMovedIn(int count) =>
            count == 0
                ? "SELECT 0"
                : "SELECT " + string.Join(", ", Enumerable.Range(0, count).Select(i =>
                    $"{RevenueLedger.ChargeRefundedSql(_dialect, "@charge_id", $"@until_{i}")}, {RevenueLedger.ChargeRefundedSql(_dialect, "@charge_id", $"@since_{i}")}"));
    }
}
