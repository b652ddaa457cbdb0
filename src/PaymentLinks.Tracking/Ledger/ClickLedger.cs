using System.Data;
using System.Data.Common;

namespace PaymentLinks.Tracking;

/// <summary>
/// Clicks on tracked links: one row each, keyed by the click's id and found by visitor and time (the index a lookback
/// window before a session reads). Personal data: an erased session's visitor loses every click, and the retention
/// option deletes clicks older than it.
/// </summary>
internal sealed class ClickLedger : IDisposable
{
    /// <summary>A click's columns, in the order <see cref="ReadClick(LedgerDialect, DbDataReader, int)"/> reads them.</summary>
    internal const string Columns =
        "click_id, visitor_id, link_name, clicked_at, utm_source, utm_medium, utm_campaign, utm_term, utm_content, " +
        "merchant_reference, gclid, gbraid, wbraid, fbclid, fbc, ttclid, msclkid, li_fat_id, rdt_cid, ga_cookie, fbp_cookie, " +
        "ttp_cookie, referrer, landing_url, ip_address, user_agent";

    /// <summary>How many old clicks the retention reads a transaction (their visitors' clicks before the cutoff all go).</summary>
    private const int RetentionBatch = 1_000;

    private readonly LedgerStore _store;
    private readonly LedgerDialect _dialect;
    private readonly string _clicks;
    private readonly string _insert;

    public ClickLedger(LedgerStore store)
    {
        _store = store;
        _dialect = store.Dialect;
        _clicks = store.Dialect.Table("payment_link_clicks");
        _insert =
            $"INSERT INTO {_clicks} ({Columns}) VALUES (@click_id, @visitor_id, @link_name, @clicked_at, @utm_source, @utm_medium, " +
            "@utm_campaign, @utm_term, @utm_content, @merchant_reference, @gclid, @gbraid, @wbraid, @fbclid, @fbc, @ttclid, @msclkid, " +
            "@li_fat_id, @rdt_cid, @ga_cookie, @fbp_cookie, @ttp_cookie, @referrer, @landing_url, @ip_address, @user_agent) " +
            "ON CONFLICT (click_id) DO NOTHING";
        Writer = new ClickWriter(RecordClicksAsync);
    }

    /// <summary>The queue the redirect's clicks are written from.</summary>
    public ClickWriter Writer { get; }

    /// <summary>The report's aggregates, told in the same transaction when clicks written or erased change sessions' touches.</summary>
    internal ReportAggregates? Aggregates { get; init; }

    /// <summary>
    /// Records a click whose id, visitor and time are set without waiting for the database: queued for the writer, or,
    /// when its queue is full or closed, inserted here.
    /// </summary>
    public Task QueueClickAsync(PaymentLinkClick click, CancellationToken cancellationToken) =>
        Writer.TryQueue(click) ? Task.CompletedTask : RecordClickAsync(click, cancellationToken);

    /// <summary>Waits until the clicks queued so far are written: before a read or an erasure of clicks.</summary>
    public Task WaitForQueuedAsync(CancellationToken cancellationToken) => Writer.WaitForQueuedAsync(cancellationToken);

    /// <summary>Inserts clicks whose ids, visitors and times are set, in one transaction.</summary>
    public async Task RecordClicksAsync(IReadOnlyList<PaymentLinkClick> clicks, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (unit.Connection.CanCreateBatch)
        {
            // PostgreSQL: the whole batch in one round trip.
            await using var batch = unit.Connection.CreateBatch();
            batch.Transaction = unit.Transaction;
            foreach (var click in clicks)
            {
                var insert = batch.CreateBatchCommand();
                insert.CommandText = _insert;
                AddClick((name, value, type) =>
                {
                    var parameter = insert.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.DbType = type;
                    parameter.Value = value ?? DBNull.Value;
                    insert.Parameters.Add(parameter);
                }, click);
                batch.BatchCommands.Add(insert);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // SQLite: one command, its parameters set again for each click, so that its statement is parsed once.
            await using var insert = unit.Command(_insert);
            foreach (var click in clicks)
            {
                insert.Parameters.Clear();
                AddClick(insert, click);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // A click written after its session, or before a visitor's later ones, changes the touches of its visitor's sessions.
        if (Aggregates is { } aggregates)
        {
            await aggregates.MarkClicksAsync(unit, [.. clicks.Select(click => click.ClickId).OfType<string>()], cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => Writer.Dispose();

    /// <summary>Inserts a click whose id, visitor and time are set.</summary>
    public Task RecordClickAsync(PaymentLinkClick click, CancellationToken cancellationToken) => RecordClicksAsync([click], cancellationToken);

    private void AddClick(DbCommand insert, PaymentLinkClick click) =>
        AddClick((name, value, type) => LedgerDialect.AddParameter(insert, name, value, type), click);

    private void AddClick(Action<string, object?, DbType> add, PaymentLinkClick click)
    {
        add("click_id", click.ClickId, DbType.String);
        add("visitor_id", click.VisitorId, DbType.String);
        add("link_name", click.LinkName, DbType.String);
        add("clicked_at", _dialect.ToDbTime(click.ClickedAt), _dialect.TimeType);
        add("utm_source", click.Utm.Source, DbType.String);
        add("utm_medium", click.Utm.Medium, DbType.String);
        add("utm_campaign", click.Utm.Campaign, DbType.String);
        add("utm_term", click.Utm.Term, DbType.String);
        add("utm_content", click.Utm.Content, DbType.String);
        add("merchant_reference", click.MerchantReference, DbType.String);
        add("gclid", click.Gclid, DbType.String);
        add("gbraid", click.Gbraid, DbType.String);
        add("wbraid", click.Wbraid, DbType.String);
        add("fbclid", click.Fbclid, DbType.String);
        add("fbc", click.Fbc, DbType.String);
        add("ttclid", click.Ttclid, DbType.String);
        add("msclkid", click.Msclkid, DbType.String);
        add("li_fat_id", click.LiFatId, DbType.String);
        add("rdt_cid", click.RdtCid, DbType.String);
        add("ga_cookie", click.GoogleAnalyticsCookie, DbType.String);
        add("fbp_cookie", click.Fbp, DbType.String);
        add("ttp_cookie", click.Ttp, DbType.String);
        add("referrer", click.Referrer, DbType.String);
        add("landing_url", click.LandingUrl, DbType.String);
        add("ip_address", click.IpAddress, DbType.String);
        add("user_agent", click.UserAgent, DbType.String);
    }

    public async Task<PaymentLinkClick?> FindClickAsync(string clickId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clickId);
        if (!ClientReferenceCodec.IsClickId(clickId))
        {
            return null;
        }

        await WaitForQueuedAsync(cancellationToken).ConfigureAwait(false);
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var find = unit.Command($"SELECT {Columns} FROM {_clicks} WHERE click_id = @click_id");
        Text(find, "click_id", clickId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadClick(reader) : null;
    }

    public async Task<PaymentLinkClick?> FindClickForSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        await WaitForQueuedAsync(cancellationToken).ConfigureAwait(false);
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        var clickId = await ClickIdOfSessionAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
        if (clickId is null)
        {
            return null;
        }

        await using var find = unit.Command($"SELECT {Columns} FROM {_clicks} WHERE click_id = @click_id");
        Text(find, "click_id", clickId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadClick(reader) : null;
    }

    /// <summary>
    /// In an erasure's unit, before the session's visit details go: deletes every click of the visitor whose click the
    /// session came from, and of the visitor its thank-you visit was tied to (the visitor's other clicks name the same
    /// browser). The number of clicks deleted.
    /// </summary>
    public async Task<int> EraseVisitorOfSessionAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        var clickId = await ClickIdOfSessionAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
        var visitors =
            $"c.visitor_id IN (SELECT visitor_id FROM {_clicks} WHERE click_id = @click_id) " +
            $"OR c.visitor_id IN (SELECT visitor_id FROM {_dialect.Table("payment_link_visit_visitors")} WHERE session_id = @session_id)";

        // The visitors' sessions lose touches (the erased session its own click): marked, and worked out once the clicks are gone.
        var touched = new List<string>();
        if (Aggregates is { } before)
        {
            var erasedClicks = new List<string>();
            await using (var find = unit.Command($"SELECT c.click_id FROM {_clicks} c WHERE {visitors}"))
            {
                Text(find, "click_id", clickId);
                Text(find, "session_id", sessionId);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    erasedClicks.Add(reader.GetString(0));
                }
            }

            touched = await before.SessionsNamingAsync(unit, erasedClicks, cancellationToken).ConfigureAwait(false);
        }

        int erased;
        await using (var erase = unit.Command($"DELETE FROM {_clicks} WHERE visitor_id IN (SELECT c.visitor_id FROM {_clicks} c WHERE {visitors})"))
        {
            Text(erase, "click_id", clickId);
            Text(erase, "session_id", sessionId);
            erased = await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (Aggregates is { } aggregates && erased > 0)
        {
            await aggregates.MarkSessionsAsync(unit, touched, cancellationToken).ConfigureAwait(false);
        }

        return erased;
    }

    /// <summary>Deletes the clicks made before <paramref name="cutoff"/>; the number deleted.</summary>
    public async Task<int> EraseClickedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await WaitForQueuedAsync(cancellationToken).ConfigureAwait(false);
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _dialect.PrepareErasureAsync(unit.Connection, cancellationToken).ConfigureAwait(false);
        var erased = 0;

        // A visitor at a time, up to a batch of them a transaction: their old clicks go, and the sessions whose touches
        // they were are marked in the same transaction, so that the report's aggregates follow the ledger.
        while (true)
        {
            await unit.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            var visitors = new List<string>();
            await using (var find = unit.Command(
                $"SELECT DISTINCT visitor_id FROM (SELECT visitor_id FROM {_clicks} WHERE clicked_at < @cutoff ORDER BY clicked_at LIMIT @batch) v"))
            {
                _dialect.AddTime(find, "cutoff", cutoff);
                LedgerDialect.AddParameter(find, "batch", RetentionBatch, DbType.Int64);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    visitors.Add(reader.GetString(0));
                }
            }

            if (visitors.Count == 0)
            {
                await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
                break;
            }

            var touched = new List<string>();
            foreach (var visitorId in visitors)
            {
                if (Aggregates is { } aggregates)
                {
                    touched.AddRange(await aggregates.SessionsOfVisitorAsync(unit, visitorId, cancellationToken).ConfigureAwait(false));
                }

                await using var erase = unit.Command($"DELETE FROM {_clicks} WHERE visitor_id = @visitor_id AND clicked_at < @cutoff");
                Text(erase, "visitor_id", visitorId);
                _dialect.AddTime(erase, "cutoff", cutoff);
                erased += await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (Aggregates is { } refresh)
            {
                await refresh.MarkSessionsAsync(unit, touched, cancellationToken).ConfigureAwait(false);
            }

            await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (erased > 0)
        {
            await _dialect.AfterErasureAsync(unit.Connection, cancellationToken).ConfigureAwait(false);
        }

        return erased;
    }

    private async Task<string?> ClickIdOfSessionAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        await using var reference = unit.Command($"SELECT client_reference_id FROM {_dialect.SessionsTable} WHERE session_id = @session_id");
        Text(reference, "session_id", sessionId);
        var value = await reference.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is string clientReferenceId ? ClientReferenceCodec.Decode(clientReferenceId).ClickId : null;
    }

    /// <summary>
    /// The SQL that joins the click a session's <c>client_reference_id</c> names (its last characters after
    /// <see cref="ClientReferenceCodec.ClickMarker"/>, see <see cref="ClientReferenceCodec.AppendClickId"/>) through the
    /// clicks' primary key: <c>LEFT JOIN clicks {alias} ON ...</c>, the same on both engines.
    /// </summary>
    /// <summary>
    /// The click id a session's <paramref name="clientReferenceId"/> ends with (see <see cref="ClientReferenceCodec"/>), or
    /// NULL: the expression schema version 17 indexes on the sessions (written exactly so, for the index to serve it).
    /// </summary>
    internal static string ClickIdOf(string clientReferenceId) =>
        $"(CASE WHEN LENGTH({clientReferenceId}) >= 22 AND SUBSTR({clientReferenceId}, LENGTH({clientReferenceId}) - 21, 6) = '_plc1_' " +
        $"THEN SUBSTR({clientReferenceId}, LENGTH({clientReferenceId}) - 15) END)";

    internal static string JoinClickOfSession(LedgerDialect dialect, string alias, string clientReferenceId)
    {
        const int Suffix = ClientReferenceCodec.ClickSuffixLength;
        const int Id = ClientReferenceCodec.ClickIdLength;
        return $"LEFT JOIN {dialect.Table("payment_link_clicks")} {alias} ON LENGTH({clientReferenceId}) >= {Suffix} " +
            $"AND SUBSTR({clientReferenceId}, LENGTH({clientReferenceId}) - {Suffix - 1}, {Suffix - Id}) = '{ClientReferenceCodec.ClickMarker}' " +
            $"AND {alias}.click_id = SUBSTR({clientReferenceId}, LENGTH({clientReferenceId}) - {Id - 1})";
    }

    /// <summary><see cref="Columns"/> with each column named through <paramref name="alias"/>.</summary>
    internal static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    private PaymentLinkClick ReadClick(DbDataReader reader) => ReadClick(_dialect, reader, 0);

    /// <summary>The click whose <see cref="Columns"/> start at <paramref name="offset"/>; <see langword="null"/> where none was joined.</summary>
    internal static PaymentLinkClick? ReadClickOrNull(LedgerDialect dialect, DbDataReader reader, int offset) =>
        reader.IsDBNull(offset) ? null : ReadClick(dialect, reader, offset);

    private static PaymentLinkClick ReadClick(LedgerDialect dialect, DbDataReader reader, int offset) => new()
    {
        ClickId = reader.GetString(offset),
        VisitorId = reader.GetString(offset + 1),
        LinkName = reader.GetString(offset + 2),
        ClickedAt = dialect.ReadTime(reader, offset + 3)!.Value,
        Utm = new UtmCodes
        {
            Source = LedgerStore.StringOrNull(reader, offset + 4),
            Medium = LedgerStore.StringOrNull(reader, offset + 5),
            Campaign = LedgerStore.StringOrNull(reader, offset + 6),
            Term = LedgerStore.StringOrNull(reader, offset + 7),
            Content = LedgerStore.StringOrNull(reader, offset + 8),
        },
        MerchantReference = LedgerStore.StringOrNull(reader, offset + 9),
        Gclid = LedgerStore.StringOrNull(reader, offset + 10),
        Gbraid = LedgerStore.StringOrNull(reader, offset + 11),
        Wbraid = LedgerStore.StringOrNull(reader, offset + 12),
        Fbclid = LedgerStore.StringOrNull(reader, offset + 13),
        Fbc = LedgerStore.StringOrNull(reader, offset + 14),
        Ttclid = LedgerStore.StringOrNull(reader, offset + 15),
        Msclkid = LedgerStore.StringOrNull(reader, offset + 16),
        LiFatId = LedgerStore.StringOrNull(reader, offset + 17),
        RdtCid = LedgerStore.StringOrNull(reader, offset + 18),
        GoogleAnalyticsCookie = LedgerStore.StringOrNull(reader, offset + 19),
        Fbp = LedgerStore.StringOrNull(reader, offset + 20),
        Ttp = LedgerStore.StringOrNull(reader, offset + 21),
        Referrer = LedgerStore.StringOrNull(reader, offset + 22),
        LandingUrl = LedgerStore.StringOrNull(reader, offset + 23),
        IpAddress = LedgerStore.StringOrNull(reader, offset + 24),
        UserAgent = LedgerStore.StringOrNull(reader, offset + 25),
    };

    private static void Text(DbCommand command, string name, string? value) => LedgerDialect.AddParameter(command, name, value, DbType.String);
}
