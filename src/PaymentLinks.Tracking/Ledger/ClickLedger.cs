using System.Data;
using System.Data.Common;

namespace PaymentLinks.Tracking;

/// <summary>
/// Clicks on tracked links: one row each, keyed by the click's id and found by visitor and time (the index a lookback
/// window before a session reads). Personal data: an erased session's visitor loses every click, and the retention
/// option deletes clicks older than it.
/// </summary>
internal sealed class ClickLedger(LedgerStore store)
{
    /// <summary>A click's columns, in the order <see cref="ReadClick(LedgerDialect, DbDataReader, int)"/> reads them.</summary>
    internal const string Columns =
        "click_id, visitor_id, link_name, clicked_at, utm_source, utm_medium, utm_campaign, utm_term, utm_content, " +
        "merchant_reference, gclid, gbraid, wbraid, fbclid, fbc, ttclid, msclkid, li_fat_id, rdt_cid, ga_cookie, fbp_cookie, " +
        "ttp_cookie, referrer, landing_url, ip_address, user_agent";

    private readonly LedgerDialect _dialect = store.Dialect;
    private readonly string _clicks = store.Dialect.Table("payment_link_clicks");

    /// <summary>Inserts a click whose id, visitor and time are set.</summary>
    public async Task RecordClickAsync(PaymentLinkClick click, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = unit.Command(
            $"INSERT INTO {_clicks} ({Columns}) VALUES (@click_id, @visitor_id, @link_name, @clicked_at, @utm_source, @utm_medium, " +
            "@utm_campaign, @utm_term, @utm_content, @merchant_reference, @gclid, @gbraid, @wbraid, @fbclid, @fbc, @ttclid, @msclkid, " +
            "@li_fat_id, @rdt_cid, @ga_cookie, @fbp_cookie, @ttp_cookie, @referrer, @landing_url, @ip_address, @user_agent)");
        Text(insert, "click_id", click.ClickId);
        Text(insert, "visitor_id", click.VisitorId);
        Text(insert, "link_name", click.LinkName);
        _dialect.AddTime(insert, "clicked_at", click.ClickedAt);
        Text(insert, "utm_source", click.Utm.Source);
        Text(insert, "utm_medium", click.Utm.Medium);
        Text(insert, "utm_campaign", click.Utm.Campaign);
        Text(insert, "utm_term", click.Utm.Term);
        Text(insert, "utm_content", click.Utm.Content);
        Text(insert, "merchant_reference", click.MerchantReference);
        Text(insert, "gclid", click.Gclid);
        Text(insert, "gbraid", click.Gbraid);
        Text(insert, "wbraid", click.Wbraid);
        Text(insert, "fbclid", click.Fbclid);
        Text(insert, "fbc", click.Fbc);
        Text(insert, "ttclid", click.Ttclid);
        Text(insert, "msclkid", click.Msclkid);
        Text(insert, "li_fat_id", click.LiFatId);
        Text(insert, "rdt_cid", click.RdtCid);
        Text(insert, "ga_cookie", click.GoogleAnalyticsCookie);
        Text(insert, "fbp_cookie", click.Fbp);
        Text(insert, "ttp_cookie", click.Ttp);
        Text(insert, "referrer", click.Referrer);
        Text(insert, "landing_url", click.LandingUrl);
        Text(insert, "ip_address", click.IpAddress);
        Text(insert, "user_agent", click.UserAgent);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<PaymentLinkClick?> FindClickAsync(string clickId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clickId);
        if (!ClientReferenceCodec.IsClickId(clickId))
        {
            return null;
        }

        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var find = unit.Command($"SELECT {Columns} FROM {_clicks} WHERE click_id = @click_id");
        Text(find, "click_id", clickId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadClick(reader) : null;
    }

    public async Task<PaymentLinkClick?> FindClickForSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
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
        await using var erase = unit.Command(
            $"DELETE FROM {_clicks} WHERE visitor_id IN (SELECT visitor_id FROM {_clicks} WHERE click_id = @click_id) " +
            $"OR visitor_id IN (SELECT visitor_id FROM {_dialect.Table("payment_link_visit_visitors")} WHERE session_id = @session_id)");
        Text(erase, "click_id", clickId);
        Text(erase, "session_id", sessionId);
        return await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the clicks made before <paramref name="cutoff"/>; the number deleted.</summary>
    public async Task<int> EraseClickedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _dialect.PrepareErasureAsync(unit.Connection, cancellationToken).ConfigureAwait(false);
        int erased;
        await using (var erase = unit.Command($"DELETE FROM {_clicks} WHERE clicked_at < @cutoff"))
        {
            _dialect.AddTime(erase, "cutoff", cutoff);
            erased = await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
