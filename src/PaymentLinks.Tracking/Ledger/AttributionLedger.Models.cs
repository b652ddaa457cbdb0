using System.Data;
using System.Data.Common;

namespace PaymentLinks.Tracking;

/// <summary>
/// The report by attribution model: the period's pieces of money streamed one by one, each shared among its session's
/// touches by <see cref="AttributionModels"/> and <see cref="CreditSplit"/>, and summed per campaign and currency here.
/// </summary>
internal sealed partial class AttributionLedger
{
    // A row's columns, in this order: the counts and amounts every piece of money carries.
    private const int Sessions = 0, Paid = 1, Visits = 2, ByVisit = 3, ByReference = 4, ByLink = 5, Gross = 6, Renewals = 7,
        RenewalRevenue = 8, Refunded = 9, Disputed = 10, Tax = 11, ColumnCount = 12;

    private static readonly CampaignReportRowOrder RowOrder = new();

    private void AddPeriod(DbCommand command, DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode)
    {
        _dialect.AddTime(command, "since", since ?? DateTimeOffset.MinValue);
        _dialect.AddTime(command, "until", until ?? DateTimeOffset.MaxValue);
        LedgerDialect.AddParameter(command, "livemode", mode == PaymentLinkMode.Live, DbType.Boolean);
        store.AddAllSessions(command);
    }

    private async Task<IReadOnlyList<CampaignReportRow>> ReportByTouchesAsync(
        LedgerUnit unit, DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, bool edge, CancellationToken cancellationToken)
    {
        // The period's pieces first (one reader at a time on a connection), then each clicked session's touches.
        var pieces = new List<MoneyPiece>();
        await using (var query = unit.Command(edge ? _sql.PiecesEdge : _sql.Pieces))
        {
            AddPeriod(query, since, until, mode);
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var values = new long[ColumnCount];
                values[Sessions] = LedgerStore.ToInt64(reader.GetValue(2));
                values[Paid] = LedgerStore.ToInt64(reader.GetValue(3));
                values[Gross] = LedgerStore.ToInt64(reader.GetValue(4));
                values[Renewals] = LedgerStore.ToInt64(reader.GetValue(5));
                values[RenewalRevenue] = LedgerStore.ToInt64(reader.GetValue(6));
                values[Refunded] = LedgerStore.ToInt64(reader.GetValue(7));
                values[Disputed] = LedgerStore.ToInt64(reader.GetValue(8));
                values[Tax] = LedgerStore.ToInt64(reader.GetValue(9));
                values[Visits] = LedgerStore.ToInt64(reader.GetValue(10));
                var source = LedgerStore.ToInt64(reader.GetValue(11));
                values[ByVisit] = source == 1 ? 1 : 0;
                values[ByReference] = source == 2 ? 1 : 0;
                values[ByLink] = source == 3 ? 1 : 0;
                var reference = LedgerStore.StringOrNull(reader, 15);
                var refundedBefore = LedgerStore.ToInt64(reader.GetValue(17));
                pieces.Add(new MoneyPiece(
                    LedgerStore.StringOrNull(reader, 0),
                    new CampaignCell(LedgerStore.StringOrNull(reader, 12), LedgerStore.StringOrNull(reader, 13), LedgerStore.StringOrNull(reader, 14), LedgerStore.StringOrNull(reader, 1)),
                    values,
                    reference is null ? null : ClientReferenceCodec.Decode(reference).ClickId,
                    _dialect.ReadTime(reader, 16),
                    refundedBefore));
            }
        }

        var credits = new Dictionary<string, SessionCredit?>(StringComparer.Ordinal);
        var cells = new Dictionary<CampaignCell, long[]>();
        var parts = new long[ColumnCount];
        await using var touches = unit.Command(_sql.Touches);
        foreach (var piece in pieces)
        {
            SessionCredit? credit = null;
            if (piece.SessionId is not null && piece.ClickId is not null && piece.SessionAt is not null
                && !credits.TryGetValue(piece.SessionId, out credit))
            {
                credit = await SessionCreditAsync(touches, piece.ClickId, piece.SessionAt.Value, model, cancellationToken).ConfigureAwait(false);
                credits.Add(piece.SessionId, credit);
            }

            if (credit is null)
            {
                // No click the ledger knows: the one touch its visit, key or link names, as the grouped report counts it.
                Add(cells, piece.Cell, piece.Values);
                continue;
            }

            foreach (var (touch, share) in Shares(credit, piece.Values, Refunded, piece.RefundedBefore))
            {
                var codes = credit.Campaigns[touch] ?? piece.Cell;
                Add(cells, codes with { Currency = piece.Cell.Currency }, share);
            }
        }

        var rows = new List<CampaignReportRow>(cells.Count);
        foreach (var (cell, values) in cells)
        {
            rows.Add(new CampaignReportRow(
                cell.Source,
                cell.Medium,
                cell.Campaign,
                cell.Currency,
                values[Sessions],
                values[Paid],
                NetRevenue.Of(values[Gross], values[Tax], values[Refunded], values[Disputed]),
                values[Visits],
                values[ByVisit],
                values[ByReference],
                values[ByLink],
                values[Gross],
                values[Renewals],
                values[RenewalRevenue],
                values[Refunded],
                values[Disputed],
                values[Tax]));
        }

        rows.Sort(RowOrder);
        return rows;

        static void Add(Dictionary<CampaignCell, long[]> cells, CampaignCell cell, long[] values)
        {
            if (!cells.TryGetValue(cell, out var sums))
            {
                cells.Add(cell, sums = new long[ColumnCount]);
            }

            for (var column = 0; column < ColumnCount; column++)
            {
                sums[column] += values[column];
            }
        }
    }

    /// <summary>
    /// A clicked session's touches and their weights under <paramref name="model"/>; <see langword="null"/> when the ledger
    /// does not know the click.
    /// </summary>
    private async Task<SessionCredit?> SessionCreditAsync(
        DbCommand touches, string clickId, DateTimeOffset sessionAt, AttributionModel model, CancellationToken cancellationToken)
    {
        touches.Parameters.Clear();
        LedgerDialect.AddParameter(touches, "click_id", clickId, DbType.String);
        _dialect.AddTime(touches, "from", sessionAt - attributionWindow);
        var found = new List<TouchRow>();
        await using (var reader = await touches.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(ReadTouch(reader, 0));
            }
        }

        return InWindow(found, sessionAt) is { } inWindow ? Credit(inWindow, model) : null;
    }

    /// <summary>A touch as the touches' SQL reads it, from column <paramref name="offset"/> on (see <see cref="AttributionStatements.Touches"/>).</summary>
    internal TouchRow ReadTouch(DbDataReader reader, int offset) =>
        new(
            _dialect.ReadTime(reader, offset)!.Value,
            new CampaignCell(LedgerStore.StringOrNull(reader, offset + 1), LedgerStore.StringOrNull(reader, offset + 2), LedgerStore.StringOrNull(reader, offset + 3), null),
            LedgerStore.ToInt64(reader.GetValue(offset + 4)) == 1,
            LedgerStore.ToInt64(reader.GetValue(offset + 5)) == 1,
            LedgerStore.ToInt64(reader.GetValue(offset + 6)) == 1);

    /// <summary>
    /// A clicked session's touches: the visitor's clicks up to and including the session's own, in the lookback window
    /// before the session (the own click always); <see langword="null"/> when there are none (the ledger does not know
    /// the click). A touch's campaign is its click's UTM codes; the session's own click without any code stands for the
    /// campaign the session's visit, key or link names (a <see langword="null"/> campaign here).
    /// </summary>
    internal SessionTouches? InWindow(IReadOnlyList<TouchRow> rows, DateTimeOffset sessionAt)
    {
        var from = sessionAt - attributionWindow;
        var kept = rows.Where(row => row.At >= from || row.Own).ToList();
        return kept.Count == 0
            ? null
            : new SessionTouches(
                [.. kept.Select(row => new AttributionTouch(row.At, IsDirect: !row.HasCodes && !row.HasAdId))],
                [.. kept.Select(row => row.Own && !row.HasCodes ? (CampaignCell?)null : row.Campaign)],
                sessionAt);
    }

    /// <summary>The weights of a clicked session's touches under <paramref name="model"/>.</summary>
    internal SessionCredit Credit(SessionTouches touches, AttributionModel model) =>
        new(AttributionModels.Weights(model, touches.Touches, touches.SessionAt, timeDecayHalfLife), touches.Campaigns);

    /// <summary>
    /// Each touch's share of a piece's <paramref name="values"/> (the touches of weight zero left out), every column split
    /// on its own (<see cref="CreditSplit"/>). The refunded column is a charge's refunded amount to date split, less that
    /// amount at the period's start split (<paramref name="refundedBefore"/>): a period's refund share is the change of
    /// the charge's split, so that the periods' shares add up to the split of the whole, whichever way time is cut.
    /// </summary>
    internal static IEnumerable<(int Touch, long[] Share)> Shares(SessionCredit credit, long[] values, int refundedColumn, long refundedBefore)
    {
        var weights = credit.Weights;
        var shares = new long[weights.Length][];
        for (var touch = 0; touch < weights.Length; touch++)
        {
            shares[touch] = new long[values.Length];
        }

        var split = new long[weights.Length];
        var before = new long[weights.Length];
        for (var column = 0; column < values.Length; column++)
        {
            if (column == refundedColumn && refundedBefore != 0)
            {
                CreditSplit.Split(values[column] + refundedBefore, weights, split);
                CreditSplit.Split(refundedBefore, weights, before);
                for (var touch = 0; touch < split.Length; touch++)
                {
                    split[touch] -= before[touch];
                }
            }
            else
            {
                CreditSplit.Split(values[column], weights, split);
            }

            for (var touch = 0; touch < split.Length; touch++)
            {
                shares[touch][column] = split[touch];
            }
        }

        for (var touch = 0; touch < weights.Length; touch++)
        {
            if (weights[touch] > 0)
            {
                yield return (touch, shares[touch]);
            }
        }
    }

    /// <summary>One row of the report's grouping: a campaign in a currency.</summary>
    internal readonly record struct CampaignCell(string? Source, string? Medium, string? Campaign, string? Currency);

    /// <summary>
    /// A piece of money (a session, a renewal, a refund, a lost dispute) with its session's click and time; a refund with
    /// its charge's refunded amount at the period's start.
    /// </summary>
    private sealed record MoneyPiece(string? SessionId, CampaignCell Cell, long[] Values, string? ClickId, DateTimeOffset? SessionAt, long RefundedBefore);

    /// <summary>A click as a session's touch: its time, its UTM codes, whether it has any code or ad click id, whether it is the session's own.</summary>
    internal readonly record struct TouchRow(DateTimeOffset At, CampaignCell Campaign, bool HasCodes, bool HasAdId, bool Own);

    /// <summary>A clicked session's touches in its window, their campaigns (<see langword="null"/>: the session's own), and its time.</summary>
    internal sealed record SessionTouches(AttributionTouch[] Touches, CampaignCell?[] Campaigns, DateTimeOffset SessionAt);

    /// <summary>A clicked session's touches' weights and campaigns (<see langword="null"/>: the session's own campaign).</summary>
    internal sealed record SessionCredit(long[] Weights, CampaignCell?[] Campaigns);

    /// <summary>The grouped report's order: revenue (highest first), then campaign, source, medium and currency, absent last.</summary>
    private sealed class CampaignReportRowOrder : IComparer<CampaignReportRow>
    {
        public int Compare(CampaignReportRow? x, CampaignReportRow? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var order = y.Revenue.CompareTo(x.Revenue);
            if (order == 0)
            {
                order = Text(x.UtmCampaign, y.UtmCampaign);
            }

            if (order == 0)
            {
                order = Text(x.UtmSource, y.UtmSource);
            }

            if (order == 0)
            {
                order = Text(x.UtmMedium, y.UtmMedium);
            }

            return order != 0 ? order : Text(x.Currency, y.Currency);

            static int Text(string? a, string? b) =>
                a is null ? (b is null ? 0 : 1) : b is null ? -1 : string.CompareOrdinal(a, b);
        }
    }
}
