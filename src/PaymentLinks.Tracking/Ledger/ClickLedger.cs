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
    private const string Columns =
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
    /// In an erasure's unit: deletes every click of the visitor whose click the session came from (the visitor's other
    /// clicks name the same browser). The number of clicks deleted.
    /// </summary>
    public async Task<int> EraseVisitorOfSessionAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        var clickId = await ClickIdOfSessionAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
        if (clickId is null)
        {
            return 0;
        }

        await using var erase = unit.Command(
            $"DELETE FROM {_clicks} WHERE visitor_id IN (SELECT visitor_id FROM {_clicks} WHERE click_id = @click_id)");
        Text(erase, "click_id", clickId);
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

    private PaymentLinkClick ReadClick(DbDataReader reader) => new()
    {
        ClickId = reader.GetString(0),
        VisitorId = reader.GetString(1),
        LinkName = reader.GetString(2),
        ClickedAt = _dialect.ReadTime(reader, 3)!.Value,
        Utm = new UtmCodes
        {
            Source = LedgerStore.StringOrNull(reader, 4),
            Medium = LedgerStore.StringOrNull(reader, 5),
            Campaign = LedgerStore.StringOrNull(reader, 6),
            Term = LedgerStore.StringOrNull(reader, 7),
            Content = LedgerStore.StringOrNull(reader, 8),
        },
        MerchantReference = LedgerStore.StringOrNull(reader, 9),
        Gclid = LedgerStore.StringOrNull(reader, 10),
        Gbraid = LedgerStore.StringOrNull(reader, 11),
        Wbraid = LedgerStore.StringOrNull(reader, 12),
        Fbclid = LedgerStore.StringOrNull(reader, 13),
        Fbc = LedgerStore.StringOrNull(reader, 14),
        Ttclid = LedgerStore.StringOrNull(reader, 15),
        Msclkid = LedgerStore.StringOrNull(reader, 16),
        LiFatId = LedgerStore.StringOrNull(reader, 17),
        RdtCid = LedgerStore.StringOrNull(reader, 18),
        GoogleAnalyticsCookie = LedgerStore.StringOrNull(reader, 19),
        Fbp = LedgerStore.StringOrNull(reader, 20),
        Ttp = LedgerStore.StringOrNull(reader, 21),
        Referrer = LedgerStore.StringOrNull(reader, 22),
        LandingUrl = LedgerStore.StringOrNull(reader, 23),
        IpAddress = LedgerStore.StringOrNull(reader, 24),
        UserAgent = LedgerStore.StringOrNull(reader, 25),
    };

    private static void Text(DbCommand command, string name, string? value) => LedgerDialect.AddParameter(command, name, value, DbType.String);
}
