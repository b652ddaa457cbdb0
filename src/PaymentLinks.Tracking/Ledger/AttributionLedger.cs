using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// Attribution on the ledger. A session's campaign is worked out by the report query, not stored: the first thank-you
/// visit, else the registered campaign key decoded from <c>client_reference_id</c>, else the UTM codes in the session's
/// metadata. Each piece is written once and never removed, so the answer is the same whichever of the webhook, the
/// visit and the key's registration came first, and a better source always wins over a worse one.
/// </summary>
/// <remarks>
/// A visit of a session the ledger does not know yet is unclaimed until the session's event is recorded: at most
/// <c>maxUnclaimedVisits</c> are kept at a time, each for <c>unclaimedVisitLifetime</c>, so that made-up session ids
/// cannot fill the ledger. Of what the page saw of the browser, the first visit's values are kept; only a later visit
/// with the same browser key may change the consent or fill in a gap.
/// </remarks>
internal sealed partial class AttributionLedger(
    LedgerStore store, int maxUnclaimedVisits, TimeSpan unclaimedVisitLifetime, TimeSpan attributionWindow, TimeSpan timeDecayHalfLife)
{
    /// <summary>The metadata keys of the UTM codes, on a session and on a subscription, in <see cref="UtmCodes"/>' order.</summary>
    internal static readonly string[] MetadataUtmKeys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

    private readonly LedgerDialect _dialect = store.Dialect;
    private readonly AttributionStatements _sql = new(store.Dialect);

    /// <summary>The report's aggregates, told in the same transaction when a visit or a key changes a session's campaign.</summary>
    internal ReportAggregates? Aggregates { get; set; }

    // Keys known to be on disk with their codes: registering one again costs no round trip.
    private readonly ConcurrentDictionary<string, byte> _registeredKeys = new(StringComparer.Ordinal);

    public async Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, ThankYouVisitDetails? details, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(utm);
        if (!PaymentLinkRules.IsCheckoutSessionId(sessionId))
        {
            throw new ArgumentException(
                $"The session id is not a Checkout Session id (cs_ followed by at most {PaymentLinkRules.MaxCheckoutSessionIdLength - 3} letters, digits or underscores); no visit was recorded.",
                nameof(sessionId));
        }

        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var now = store.TimeProvider.GetUtcNow();
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        bool known, visited;
        await using (var find = unit.Command(_sql.FindSessionAndVisit))
        {
            LedgerDialect.AddParameter(find, "session_id", sessionId, DbType.String);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (known, visited) = (LedgerStore.ToInt64(reader.GetValue(0)) > 0, LedgerStore.ToInt64(reader.GetValue(1)) > 0);
        }

        // A first visit of a session the ledger does not know: kept only while fewer than the bound are.
        if (!known && !visited)
        {
            await DeleteExpiredUnclaimedAsync(unit, now, cancellationToken).ConfigureAwait(false);
            await using var count = unit.Command(_sql.CountUnclaimed);
            if (LedgerStore.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) >= maxUnclaimedVisits)
            {
                await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
                PaymentLinkTrackingDiagnostics.VisitsRecorded.Add(1, new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.VisitTag, "not_kept"));
                return VisitOutcome.NotKept;
            }
        }

        long visits;
        await using (var visit = unit.Command(_sql.RecordVisit))
        {
            LedgerDialect.AddParameter(visit, "session_id", sessionId, DbType.String);
            AddUtmParameters(visit, "utm_", utm);
            _dialect.AddTime(visit, "now", now);
            visits = Convert.ToInt64(await visit.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (!known && visits == 1)
        {
            await using var unclaimed = unit.Command(_sql.RecordUnclaimed);
            LedgerDialect.AddParameter(unclaimed, "session_id", sessionId, DbType.String);
            _dialect.AddTime(unclaimed, "now", now);
            await unclaimed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (details is not null)
        {
            await RecordVisitDetailsAsync(unit, sessionId, details, visits == 1, now, cancellationToken).ConfigureAwait(false);
        }

        // A late first visit of a known session: its campaign, and with it all its money's, may change.
        if (known && visits == 1 && Aggregates is { } aggregates)
        {
            await aggregates.MarkSessionAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        PaymentLinkTrackingDiagnostics.VisitsRecorded.Add(1, new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.VisitTag, visits == 1 ? "first" : "revisit"));
        return visits == 1 ? VisitOutcome.FirstVisit : VisitOutcome.Revisit;
    }

    /// <summary>In the <paramref name="unit"/> that records a session's event: its visit, if any, is claimed and kept.</summary>
    public async Task ClaimVisitAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        await using var claim = unit.Command(_sql.ClaimVisit);
        LedgerDialect.AddParameter(claim, "session_id", sessionId, DbType.String);
        await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many visits of sessions the ledger does not know are kept.</summary>
    public async Task<long> CountUnclaimedVisitsAsync(LedgerUnit unit, CancellationToken cancellationToken)
    {
        await using var count = unit.Command(_sql.CountUnclaimed);
        return LedgerStore.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Deletes the visits (and their details) no session claimed within the lifetime; the number deleted.</summary>
    public async Task<int> DeleteExpiredUnclaimedVisitsAsync(CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await DeleteExpiredUnclaimedAsync(unit, store.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private async Task<int> DeleteExpiredUnclaimedAsync(LedgerUnit unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A visit whose session was recorded meanwhile (its event and the visit crossing) is claimed, not deleted.
        foreach (var sql in (string[])[_sql.ClaimRecordedVisits, _sql.DeleteExpiredDetails, _sql.DeleteExpiredBrowsers, _sql.DeleteExpiredVisitors, _sql.DeleteExpiredVisits])
        {
            await using var statement = unit.Command(sql);
            _dialect.AddTime(statement, "cutoff", now - unclaimedVisitLifetime);
            await statement.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var unclaimed = unit.Command(_sql.DeleteExpiredUnclaimed);
        _dialect.AddTime(unclaimed, "cutoff", now - unclaimedVisitLifetime);
        return await unclaimed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RegisterCampaignKeyAsync(CampaignKey key, UtmCodes utm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(utm);
        if (CampaignKey.For(utm) != key)
        {
            throw new ArgumentException($"Campaign key {key} is not the key of the UTM codes given (CampaignKey.For gives {CampaignKey.For(utm)}).", nameof(key));
        }

        if (_registeredKeys.ContainsKey(key.Value))
        {
            return;
        }

        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (var register = unit.Command(_sql.RegisterKey))
        {
            LedgerDialect.AddParameter(register, "campaign_key", key.Value, DbType.String);
            AddUtmParameters(register, "utm_", utm);
            _dialect.AddTime(register, "now", store.TimeProvider.GetUtcNow());
            if (await register.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                // Registered before: harmless when for the same codes; two sets sharing a key would misattribute.
                await using var find = unit.Command(_sql.FindKey);
                LedgerDialect.AddParameter(find, "campaign_key", key.Value, DbType.String);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var registered = new UtmCodes
                {
                    Source = LedgerStore.StringOrNull(reader, 0),
                    Medium = LedgerStore.StringOrNull(reader, 1),
                    Campaign = LedgerStore.StringOrNull(reader, 2),
                    Term = LedgerStore.StringOrNull(reader, 3),
                    Content = LedgerStore.StringOrNull(reader, 4),
                };
                if (registered != utm)
                {
                    throw new InvalidOperationException(
                        $"Campaign key {key} is already registered for other UTM codes; links with these codes cannot be attributed through client_reference_id.");
                }
            }
            else if (Aggregates is { } aggregates)
            {
                // A key registered after sessions or renewals named it: their campaign is now the key's.
                await aggregates.MarkCampaignKeyAsync(unit, key.Value, cancellationToken).ConfigureAwait(false);
            }
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        _registeredKeys.TryAdd(key.Value, 0);
    }

    /// <summary>
    /// The campaign report by <paramref name="model"/> worked out from the ledger's rows: the grouped scan while the ledger
    /// holds no click (every model's answer is then the one campaign each session's visit, key or link names), else each
    /// piece of money split over its session's touches. The
    /// aggregates answer the report (<see cref="ReportAggregates"/>); this answers a partial first or last hour, a ledger
    /// whose aggregates are not built yet, and the tests and benchmarks that hold the aggregates to it.
    /// </summary>
    /// <param name="since">The period's start, included; <see langword="null"/> for none.</param>
    /// <param name="until">The period's end, excluded; <see langword="null"/> for none.</param>
    /// <param name="mode">Live or test sessions.</param>
    /// <param name="model">The attribution model.</param>
    /// <param name="edge">Only the charges whose refunded amount moved in the period are worked out (the same answer, for a short period).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    internal async Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, bool edge, CancellationToken cancellationToken)
    {
        if (!Enum.IsDefined(model))
        {
            throw new ArgumentOutOfRangeException(nameof(model), model, $"Not an attribution model; the models are {string.Join(", ", AttributionModelNames.All)}.");
        }

        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await unit.BeginReportAsync(cancellationToken).ConfigureAwait(false);
        // Without any click (whenever made: a click's time is the redirect's clock, a session's Stripe's), no session has one
        // among its touches, and every model's answer is the grouped one.
        if (!await AnyClickBeforeAsync(unit, null, cancellationToken).ConfigureAwait(false))
        {
            return await GroupedReportAsync(unit, since, until, mode, edge, cancellationToken).ConfigureAwait(false);
        }

        return await ReportByTouchesAsync(unit, since, until, mode, model, edge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a click was recorded before <paramref name="until"/> (any time when <see langword="null"/>): without one, no
    /// session of a period ending there has a click among its touches, and every model's answer is the grouped one. One
    /// indexed lookup.
    /// </summary>
    private async Task<bool> AnyClickBeforeAsync(LedgerUnit unit, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        await using var anyClick = unit.Command(_sql.AnyClickBefore);
        _dialect.AddTime(anyClick, "until", until ?? DateTimeOffset.MaxValue);
        return await anyClick.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not (null or DBNull);
    }

    /// <summary>
    /// The campaign report worked out from the ledger's rows: every session, renewal, refund and dispute of the period,
    /// each to the one campaign its visit, key or link names (last click while no click can be a touch).
    /// The aggregates answer the report (<see cref="ReportAggregates"/>); this scan answers a partial first or last hour,
    /// a ledger whose aggregates are not built yet, and the tests and benchmarks that hold the aggregates to it.
    /// </summary>
    /// <param name="since">The period's start, included; <see langword="null"/> for none.</param>
    /// <param name="until">The period's end, excluded; <see langword="null"/> for none.</param>
    /// <param name="mode">Live or test sessions.</param>
    /// <param name="edge">Only the charges whose refunded amount moved in the period are worked out (the same answer, for a short period).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    internal async Task<IReadOnlyList<CampaignReportRow>> ScanReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, bool edge, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await unit.BeginReportAsync(cancellationToken).ConfigureAwait(false);
        return await GroupedReportAsync(unit, since, until, mode, edge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report grouped in the database: each session's money to the one campaign its visit, key or link names.</summary>
    private async Task<IReadOnlyList<CampaignReportRow>> GroupedReportAsync(
        LedgerUnit unit, DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, bool edge, CancellationToken cancellationToken)
    {
        await using var report = unit.Command(edge ? _sql.ReportEdge : _sql.Report);
        AddPeriod(report, since, until, mode);
        var rows = new List<CampaignReportRow>();
        await using var reader = await report.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (gross, refunded, disputed, tax) =
                (LedgerStore.ToInt64(reader.GetValue(11)), LedgerStore.ToInt64(reader.GetValue(14)), LedgerStore.ToInt64(reader.GetValue(15)), LedgerStore.ToInt64(reader.GetValue(16)));
            rows.Add(new CampaignReportRow(
                LedgerStore.StringOrNull(reader, 0),
                LedgerStore.StringOrNull(reader, 1),
                LedgerStore.StringOrNull(reader, 2),
                LedgerStore.StringOrNull(reader, 3),
                LedgerStore.ToInt64(reader.GetValue(4)),
                LedgerStore.ToInt64(reader.GetValue(5)),
                NetRevenue.Of(gross, tax, refunded, disputed),
                LedgerStore.ToInt64(reader.GetValue(7)),
                LedgerStore.ToInt64(reader.GetValue(8)),
                LedgerStore.ToInt64(reader.GetValue(9)),
                LedgerStore.ToInt64(reader.GetValue(10)),
                gross,
                LedgerStore.ToInt64(reader.GetValue(12)),
                LedgerStore.ToInt64(reader.GetValue(13)),
                refunded,
                disputed,
                tax));
        }

        // The most revenue first; the SQL's order (campaign, source, medium, currency) among equals, as a stable sort keeps it.
        return [.. rows.OrderByDescending(row => row.Revenue)];
    }

    /// <summary>Keeps, with the session, the campaign key in its reference and the UTM codes in its metadata.</summary>
    public async Task MergeSessionCampaignAsync(LedgerUnit unit, PaymentLinkCheckout checkout, CancellationToken cancellationToken)
    {
        var key = ClientReferenceCodec.Decode(checkout.ClientReferenceId).Key;
        var linkUtm = new UtmCodes
        {
            Source = checkout.Metadata.GetValueOrDefault(MetadataUtmKeys[0]),
            Medium = checkout.Metadata.GetValueOrDefault(MetadataUtmKeys[1]),
            Campaign = checkout.Metadata.GetValueOrDefault(MetadataUtmKeys[2]),
            Term = checkout.Metadata.GetValueOrDefault(MetadataUtmKeys[3]),
            Content = checkout.Metadata.GetValueOrDefault(MetadataUtmKeys[4]),
        };
        if (key is null && linkUtm.IsEmpty)
        {
            return;
        }

        await using var merge = unit.Command(_sql.MergeSessionCampaign);
        LedgerDialect.AddParameter(merge, "session_id", checkout.SessionId, DbType.String);
        LedgerDialect.AddParameter(merge, "campaign_key", key?.Value, DbType.String);
        AddUtmParameters(merge, "link_utm_", linkUtm);
        await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps what the thank-you page saw: the first visit's values, with the hash of its browser key. A later visit that
    /// carries the same key may change the consent and fill in a missing value; any other changes nothing.
    /// </summary>
    private async Task RecordVisitDetailsAsync(
        LedgerUnit unit, string sessionId, ThankYouVisitDetails details, bool firstVisit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var keyHash = HashBrowserKey(details.BrowserKey);
        if (!firstVisit && keyHash is null)
        {
            return;
        }

        await using var write = unit.Command(firstVisit ? _sql.RecordVisitDetails : _sql.UpdateVisitDetails);
        LedgerDialect.AddParameter(write, "session_id", sessionId, DbType.String);
        LedgerDialect.AddParameter(write, "ga_cookie", Cut(details.GoogleAnalyticsCookie), DbType.String);
        LedgerDialect.AddParameter(write, "fbp_cookie", Cut(details.MetaBrowserCookie), DbType.String);
        LedgerDialect.AddParameter(write, "fbc_cookie", Cut(details.MetaClickCookie), DbType.String);
        LedgerDialect.AddParameter(write, "user_agent", Cut(details.UserAgent), DbType.String);
        LedgerDialect.AddParameter(write, "page_url", Cut(details.PageUrl), DbType.String);
        LedgerDialect.AddParameter(write, "client_ip", Cut(details.ClientIp), DbType.String);
        LedgerDialect.AddParameter(
            write,
            "consent",
            details.Consent switch { VisitConsent.Granted => "granted", VisitConsent.Denied => "denied", _ => null },
            DbType.String);
        if (!firstVisit)
        {
            LedgerDialect.AddParameter(write, "browser_key_hash", keyHash, DbType.String);
        }

        _dialect.AddTime(write, "now", now);
        var written = await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        if (written && firstVisit && keyHash is not null)
        {
            await using var browser = unit.Command(_sql.RecordVisitBrowser);
            LedgerDialect.AddParameter(browser, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(browser, "browser_key_hash", keyHash, DbType.String);
            await browser.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The visitor of the tracked links, as the details: the first visit's, or filled in by its browser.
        if (written && details.VisitorId is { } visitorId && ClientReferenceCodec.IsClickId(visitorId))
        {
            await using var visitor = unit.Command(_sql.RecordVisitVisitor);
            LedgerDialect.AddParameter(visitor, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(visitor, "visitor_id", visitorId, DbType.String);
            _dialect.AddTime(visitor, "now", now);
            await visitor.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        static string? Cut(string? value) =>
            string.IsNullOrWhiteSpace(value) ? null : value.Length <= ThankYouVisitDetails.MaxValueLength ? value : value[..ThankYouVisitDetails.MaxValueLength];
    }

    /// <summary>The SHA-256 of a browser key, in hexadecimal; <see langword="null"/> for none.</summary>
    private static string? HashBrowserKey(string? key) =>
        string.IsNullOrWhiteSpace(key) ? null : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>In an erasure's <paramref name="unit"/>: what the thank-you page saw of the buyer's browser goes whole.</summary>
    public async Task EraseVisitDetailsAsync(LedgerUnit unit, string sessionId, CancellationToken cancellationToken)
    {
        foreach (var sql in (string[])[_sql.EraseVisitDetails, _sql.EraseVisitBrowser, _sql.EraseVisitVisitor])
        {
            await using var erase = unit.Command(sql);
            LedgerDialect.AddParameter(erase, "session_id", sessionId, DbType.String);
            await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void AddUtmParameters(DbCommand command, string prefix, UtmCodes utm)
    {
        LedgerDialect.AddParameter(command, prefix + "source", utm.Source, DbType.String);
        LedgerDialect.AddParameter(command, prefix + "medium", utm.Medium, DbType.String);
        LedgerDialect.AddParameter(command, prefix + "campaign", utm.Campaign, DbType.String);
        LedgerDialect.AddParameter(command, prefix + "term", utm.Term, DbType.String);
        LedgerDialect.AddParameter(command, prefix + "content", utm.Content, DbType.String);
    }

    /// <summary>
    /// A visitor's clicks up to and including a session's own click (<c>own</c>, from <paramref name="ownFrom"/>), which
    /// comes last, in the columns <see cref="ReadTouch"/> reads (after <paramref name="leading"/> ones, if any, ordered by
    /// <paramref name="orderFirst"/> first); the report by model and the aggregates read them alike.
    /// </summary>
    internal static string TouchesSql(LedgerDialect dialect, string ownFrom, string ownWhere, string? leading = null, string? orderFirst = null) =>
        $"SELECT {(leading is null ? string.Empty : leading + ", ")}c.clicked_at, c.utm_source, c.utm_medium, c.utm_campaign, " +
        "CASE WHEN c.utm_source IS NULL AND c.utm_medium IS NULL AND c.utm_campaign IS NULL AND c.utm_term IS NULL " +
        "AND c.utm_content IS NULL THEN 0 ELSE 1 END AS has_codes, " +
        "CASE WHEN c.gclid IS NULL AND c.gbraid IS NULL AND c.wbraid IS NULL AND c.fbclid IS NULL AND c.ttclid IS NULL " +
        "AND c.msclkid IS NULL AND c.li_fat_id IS NULL AND c.rdt_cid IS NULL THEN 0 ELSE 1 END AS has_ad_id, " +
        "CASE WHEN c.click_id = own.click_id THEN 1 ELSE 0 END AS own " +
        $"FROM {ownFrom} JOIN {dialect.Table("payment_link_clicks")} c ON c.visitor_id = own.visitor_id " +
        $"WHERE {ownWhere} AND c.clicked_at <= own.clicked_at " +
        $"ORDER BY {(orderFirst is null ? string.Empty : orderFirst + ", ")}c.clicked_at, CASE WHEN c.click_id = own.click_id THEN 1 ELSE 0 END, c.click_id {dialect.OrdinalCollation}";

    /// <summary>The attribution's SQL, the same on both engines but for the tables' names and how text is ordered.</summary>
    private sealed class AttributionStatements
    {
        private const string UtmColumns = "utm_source, utm_medium, utm_campaign, utm_term, utm_content";
        private const string UtmValues = "@utm_source, @utm_medium, @utm_campaign, @utm_term, @utm_content";

        public AttributionStatements(LedgerDialect dialect)
        {
            var visits = dialect.Table("payment_link_visits");
            var keys = dialect.Table("payment_link_campaign_keys");
            var campaigns = dialect.Table("payment_link_session_campaigns");
            RecordVisit =
                $"INSERT INTO {visits} AS v (session_id, {UtmColumns}, first_visited_at, last_visited_at, visit_count) " +
                $"VALUES (@session_id, {UtmValues}, @now, @now, 1) " +
                "ON CONFLICT (session_id) DO UPDATE SET visit_count = v.visit_count + 1, last_visited_at = excluded.last_visited_at " +
                "RETURNING visit_count";
            RegisterKey =
                $"INSERT INTO {keys} (campaign_key, {UtmColumns}, registered_at) VALUES (@campaign_key, {UtmValues}, @now) " +
                "ON CONFLICT (campaign_key) DO NOTHING";
            FindKey = $"SELECT {UtmColumns} FROM {keys} WHERE campaign_key = @campaign_key";
            var details = dialect.Table("payment_link_visit_details");
            var sessions = dialect.SessionsTable;
            var unclaimed = dialect.Table("payment_link_unclaimed_visits");
            var browsers = dialect.Table("payment_link_visit_browsers");
            FindSessionAndVisit =
                $"SELECT (SELECT COUNT(*) FROM {sessions} WHERE session_id = @session_id), " +
                $"(SELECT COUNT(*) FROM {visits} WHERE session_id = @session_id)";
            RecordUnclaimed = $"INSERT INTO {unclaimed} (session_id, unclaimed_since) VALUES (@session_id, @now) ON CONFLICT (session_id) DO NOTHING";
            CountUnclaimed = $"SELECT COUNT(*) FROM {unclaimed}";
            ClaimVisit = $"DELETE FROM {unclaimed} WHERE session_id = @session_id";
            ClaimRecordedVisits =
                $"DELETE FROM {unclaimed} WHERE unclaimed_since < @cutoff " +
                $"AND session_id IN (SELECT u.session_id FROM {unclaimed} u JOIN {sessions} s ON s.session_id = u.session_id WHERE u.unclaimed_since < @cutoff)";
            var expired = $"session_id IN (SELECT session_id FROM {unclaimed} WHERE unclaimed_since < @cutoff)";
            DeleteExpiredDetails = $"DELETE FROM {details} WHERE {expired}";
            DeleteExpiredBrowsers = $"DELETE FROM {browsers} WHERE {expired}";
            var visitors = dialect.Table("payment_link_visit_visitors");
            DeleteExpiredVisitors = $"DELETE FROM {visitors} WHERE {expired}";
            RecordVisitVisitor =
                $"INSERT INTO {visitors} (session_id, visitor_id, recorded_at) VALUES (@session_id, @visitor_id, @now) ON CONFLICT (session_id) DO NOTHING";
            EraseVisitVisitor = $"DELETE FROM {visitors} WHERE session_id = @session_id";
            DeleteExpiredVisits = $"DELETE FROM {visits} WHERE {expired}";
            DeleteExpiredUnclaimed = $"DELETE FROM {unclaimed} WHERE unclaimed_since < @cutoff";
            RecordVisitBrowser =
                $"INSERT INTO {browsers} (session_id, browser_key_hash) VALUES (@session_id, @browser_key_hash) ON CONFLICT (session_id) DO NOTHING";
            EraseVisitBrowser = $"DELETE FROM {browsers} WHERE session_id = @session_id";

            // The first visit's values (its browser key's hash beside them); the same browser may change the consent and fill gaps.
            RecordVisitDetails =
                $"INSERT INTO {details} (session_id, ga_cookie, fbp_cookie, fbc_cookie, user_agent, page_url, client_ip, consent, " +
                "recorded_at, updated_at) " +
                "VALUES (@session_id, @ga_cookie, @fbp_cookie, @fbc_cookie, @user_agent, @page_url, @client_ip, @consent, " +
                "@now, @now) ON CONFLICT (session_id) DO NOTHING";
            UpdateVisitDetails =
                $"UPDATE {details} SET ga_cookie = COALESCE(ga_cookie, @ga_cookie), fbp_cookie = COALESCE(fbp_cookie, @fbp_cookie), " +
                "fbc_cookie = COALESCE(fbc_cookie, @fbc_cookie), user_agent = COALESCE(user_agent, @user_agent), " +
                "page_url = COALESCE(page_url, @page_url), client_ip = COALESCE(client_ip, @client_ip), " +
                "consent = COALESCE(@consent, consent), updated_at = @now " +
                $"WHERE session_id = @session_id AND EXISTS (SELECT 1 FROM {browsers} b WHERE b.session_id = @session_id " +
                "AND b.browser_key_hash = @browser_key_hash)";
            EraseVisitDetails = $"DELETE FROM {details} WHERE session_id = @session_id";

            // Filled in once, as the session's own fields are: the key on its own, the link's codes as one set.
            const string NoLinkCodes =
                "c.link_utm_source IS NULL AND c.link_utm_medium IS NULL AND c.link_utm_campaign IS NULL " +
                "AND c.link_utm_term IS NULL AND c.link_utm_content IS NULL";
            MergeSessionCampaign =
                $"INSERT INTO {campaigns} AS c (session_id, campaign_key, link_utm_source, link_utm_medium, link_utm_campaign, " +
                "link_utm_term, link_utm_content) VALUES (@session_id, @campaign_key, @link_utm_source, @link_utm_medium, " +
                "@link_utm_campaign, @link_utm_term, @link_utm_content) " +
                "ON CONFLICT (session_id) DO UPDATE SET campaign_key = COALESCE(c.campaign_key, excluded.campaign_key), " +
                $"link_utm_source = CASE WHEN {NoLinkCodes} THEN excluded.link_utm_source ELSE c.link_utm_source END, " +
                $"link_utm_medium = CASE WHEN {NoLinkCodes} THEN excluded.link_utm_medium ELSE c.link_utm_medium END, " +
                $"link_utm_campaign = CASE WHEN {NoLinkCodes} THEN excluded.link_utm_campaign ELSE c.link_utm_campaign END, " +
                $"link_utm_term = CASE WHEN {NoLinkCodes} THEN excluded.link_utm_term ELSE c.link_utm_term END, " +
                $"link_utm_content = CASE WHEN {NoLinkCodes} THEN excluded.link_utm_content ELSE c.link_utm_content END";

            // Two parts, then grouped by campaign and currency. First, each session once: counted when it completed in the
            // period, its payment (gross, tax) when it was paid in the period. Then the money that moved later, each
            // piece in the period it moved in: renewals (paid invoices of the subscription a session started), refunds
            // (per charge, its refunded amount at the period's end less that at its start: see ChargeRefundedSql) and
            // lost disputes. A later piece takes its session's campaign; one whose session is not known takes the
            // campaign its subscription's metadata names. The session's filters (mode, payment links only) apply to both.
            var sessionPayments = dialect.Table("payment_link_session_payments");
            var refunds = dialect.Table("payment_link_charge_refunds");
            var disputes = dialect.Table("payment_link_disputes");
            var invoices = dialect.Table("payment_link_invoices");
            var invoicePayments = dialect.Table("payment_link_invoice_payments");
            const string HasLinkCodes =
                "(c.link_utm_source IS NOT NULL OR c.link_utm_medium IS NOT NULL OR c.link_utm_campaign IS NOT NULL " +
                "OR c.link_utm_term IS NOT NULL OR c.link_utm_content IS NOT NULL)";

            // A visit without any UTM code is counted as a visit, but does not outrank a key or the link's codes.
            const string HasVisitCodes =
                "(v.utm_source IS NOT NULL OR v.utm_medium IS NOT NULL OR v.utm_campaign IS NOT NULL " +
                "OR v.utm_term IS NOT NULL OR v.utm_content IS NOT NULL)";
            const string Source =
                $"CASE WHEN {HasVisitCodes} THEN 1 WHEN k.campaign_key IS NOT NULL THEN 2 WHEN {HasLinkCodes} THEN 3 ELSE 0 END";
            static string Pick(string code) =>
                $"CASE WHEN m.session_id IS NULL THEN (CASE WHEN mk.campaign_key IS NOT NULL THEN mk.{code} ELSE m.{code} END) " +
                $"WHEN {HasVisitCodes} THEN v.{code} WHEN k.campaign_key IS NOT NULL THEN k.{code} " +
                $"WHEN {HasLinkCodes} THEN c.link_{code} END AS {code}";
            const string InPeriod = ">= @since AND {0} < @until";
            static string Within(string column) => $"{column} {string.Format(CultureInfo.InvariantCulture, InPeriod, column)}";
            const string NoCodes = "CAST(NULL AS TEXT) AS campaign_key, CAST(NULL AS TEXT) AS utm_source, CAST(NULL AS TEXT) AS utm_medium, CAST(NULL AS TEXT) AS utm_campaign";
            const string InvoiceCodes = "i.campaign_key, i.utm_source, i.utm_medium, i.utm_campaign";
            const string Paid = "s.payment_status IN ('paid', 'no_payment_required')";
            // The sessions the report counts: of the mode asked for, and made by a payment link unless every one is.
            const string Counted = "s.livemode = @livemode AND (@all_sessions = 1 OR s.payment_link_id IS NOT NULL)";

            // Completed in the period; then, apart, paid in it but completed outside it (or never, as far as the ledger
            // knows), so that each part reads one time's index rather than both at once.
            string SessionRows(string before) =>
                "SELECT s.session_id, s.currency, 1 AS sessions, " +
                $"CASE WHEN {Paid} AND {Within("s.paid_at")} THEN 1 ELSE 0 END AS paid, " +
                $"CASE WHEN {Paid} AND {Within("s.paid_at")} THEN COALESCE(s.amount_total, 0) ELSE 0 END AS gross, " +
                "0 AS renewals, 0 AS renewal_revenue, 0 AS refunded, 0 AS disputed, " +
                $"CASE WHEN {Paid} AND {Within("s.paid_at")} THEN COALESCE(p.amount_tax, 0) ELSE 0 END AS tax, " +
                $"{NoCodes}{before} " +
                $"FROM {dialect.SessionsTable} s LEFT JOIN {sessionPayments} p ON p.session_id = s.session_id " +
                $"WHERE {Within("s.completed_at")} AND {Counted} " +
                "UNION ALL SELECT s.session_id, s.currency, 0, 1, COALESCE(s.amount_total, 0), 0, 0, 0, 0, COALESCE(p.amount_tax, 0), " +
                $"{NoCodes}{before} " +
                $"FROM {dialect.SessionsTable} s LEFT JOIN {sessionPayments} p ON p.session_id = s.session_id " +
                $"WHERE {Within("s.paid_at")} AND {Paid} AND (s.completed_at IS NULL OR s.completed_at < @since OR s.completed_at >= @until) AND {Counted}";

            // A later piece of money whose session is known counts only if that session is counted: none of the sessions
            // the report does not count owns it. Most sessions are counted, so the few that are not are looked up once.
            static string NotOwnedByUncounted(string sessionId) =>
                $"NOT EXISTS (SELECT 1 FROM {{0}} os WHERE os.session_id = {sessionId} AND NOT (os.livemode = @livemode " +
                "AND (@all_sessions = 1 OR os.payment_link_id IS NOT NULL)))";
            string OwnerOf(string sessionId) =>
                string.Format(CultureInfo.InvariantCulture, NotOwnedByUncounted(sessionId), dialect.SessionsTable);

            // A subscription's renewals in the period summed first, then joined to the session that started it, once.
            var renewalRows =
                "SELECT p.session_id, i.currency, 0, 0, i.amount_paid, i.renewals, i.amount_paid, 0, 0, i.amount_tax, " +
                $"{InvoiceCodes} " +
                "FROM (SELECT subscription_id, currency, campaign_key, utm_source, utm_medium, utm_campaign, COUNT(*) AS renewals, " +
                "SUM(amount_paid) AS amount_paid, SUM(amount_tax) AS amount_tax " +
                $"FROM {invoices} WHERE livemode = @livemode AND billing_reason IN ('subscription_cycle', 'subscription_update') " +
                $"AND amount_paid > 0 AND {Within("paid_at")} " +
                "GROUP BY subscription_id, currency, campaign_key, utm_source, utm_medium, utm_campaign) i " +
                $"LEFT JOIN {sessionPayments} p ON p.subscription_id = i.subscription_id " +
                $"WHERE {OwnerOf("p.session_id")}";

            // The same one by one, for the report by model: each renewal is a piece of money split on its own.
            var eachRenewalRows =
                "SELECT p.session_id, i.currency, 0, 0, i.amount_paid, 1, i.amount_paid, 0, 0, i.amount_tax, " +
                $"{InvoiceCodes}, 0 " +
                $"FROM {invoices} i LEFT JOIN {sessionPayments} p ON p.subscription_id = i.subscription_id " +
                "WHERE i.livemode = @livemode AND i.billing_reason IN ('subscription_cycle', 'subscription_update') " +
                $"AND i.amount_paid > 0 AND {Within("i.paid_at")} AND {OwnerOf("p.session_id")}";

            // Each charge's refund in the period, worked out once (materialized, so that the filter on it does not
            // work it out again).
            // The report by model also reads the refunded amount at the period's start (see AttributionLedger.Shares).
            string ChargeRefunds(bool edge, bool before = false) =>
                "SELECT c.charge_id, c.payment_intent, c.invoice_id, c.currency, " +
                $"{RevenueLedger.ChargeRefundedSql(dialect, "c.charge_id", "@until")} - {RevenueLedger.ChargeRefundedSql(dialect, "c.charge_id", "@since")} AS refunded" +
                (before ? $", {RevenueLedger.ChargeRefundedSql(dialect, "c.charge_id", "@since")} AS refunded_before " : " ") +
                "FROM (SELECT charge_id, MAX(payment_intent) AS payment_intent, MAX(invoice_id) AS invoice_id, MAX(currency) AS currency " +
                $"FROM {refunds} WHERE livemode = @livemode AND observed_at < @until " +
                // A charge whose refunded amount moved neither by a statement nor by a failure in the period moved by nothing.
                (edge
                    ? $"AND charge_id IN (SELECT charge_id FROM {refunds} WHERE {Within("observed_at")} " +
                      $"UNION SELECT charge_id FROM {dialect.Table("payment_link_failed_refunds")} WHERE {Within("failed_at")}) "
                    : string.Empty) +
                "GROUP BY charge_id) c";
            string RefundRows(string before) =>
                "SELECT COALESCE(p.session_id, pi.session_id), r.currency, 0, 0, 0, 0, 0, r.refunded, 0, 0, " +
                $"{InvoiceCodes}{before} " +
                "FROM charge_refunds r " +
                $"LEFT JOIN {sessionPayments} p ON p.payment_intent = r.payment_intent " +
                $"LEFT JOIN {invoicePayments} ip ON ip.payment_intent = r.payment_intent " +
                $"LEFT JOIN {invoices} i ON i.invoice_id = COALESCE(r.invoice_id, ip.invoice_id) " +
                $"LEFT JOIN {sessionPayments} pi ON pi.subscription_id = i.subscription_id " +
                $"WHERE {OwnerOf("COALESCE(p.session_id, pi.session_id)")} AND r.refunded <> 0";
            string DisputeRows(string before) =>
                "SELECT COALESCE(p.session_id, pi.session_id), d.currency, 0, 0, 0, 0, 0, 0, d.amount, 0, " +
                $"{InvoiceCodes}{before} " +
                $"FROM {disputes} d LEFT JOIN {sessionPayments} p ON p.payment_intent = d.payment_intent " +
                $"LEFT JOIN {invoicePayments} ip ON ip.payment_intent = d.payment_intent " +
                $"LEFT JOIN {invoices} i ON i.invoice_id = ip.invoice_id " +
                $"LEFT JOIN {sessionPayments} pi ON pi.subscription_id = i.subscription_id " +
                $"WHERE {OwnerOf("COALESCE(p.session_id, pi.session_id)")} AND d.livemode = @livemode AND d.status = 'lost' AND {Within("d.status_at")}";
            var collation = dialect.OrdinalCollation;

            // Each piece of money with the campaign its session's visit, key or link names (or its subscription's metadata).
            // One by one (the report by model), each renewal apart and each piece with the refunded amount at the start.
            string Attributed(bool pieces) =>
                "SELECT m.session_id, m.currency, m.sessions, m.paid, m.gross, m.renewals, m.renewal_revenue, m.refunded, m.disputed, m.tax, " +
                "CASE WHEN m.sessions = 1 AND v.session_id IS NOT NULL THEN 1 ELSE 0 END AS visited, " +
                $"CASE WHEN m.sessions = 1 THEN {Source} ELSE -1 END AS source, " +
                $"{Pick("utm_source")}, {Pick("utm_medium")}, {Pick("utm_campaign")}{(pieces ? ", m.refunded_before" : string.Empty)} " +
                (pieces
                    ? $"FROM ({SessionRows(", 0 AS refunded_before")} UNION ALL {eachRenewalRows} UNION ALL {RefundRows(", r.refunded_before")} " +
                      $"UNION ALL {DisputeRows(", 0")}) m "
                    : $"FROM ({SessionRows(string.Empty)} UNION ALL {renewalRows} UNION ALL {RefundRows(string.Empty)} UNION ALL {DisputeRows(string.Empty)}) m ") +
                $"LEFT JOIN {visits} v ON v.session_id = m.session_id " +
                $"LEFT JOIN {campaigns} c ON c.session_id = m.session_id " +
                $"LEFT JOIN {keys} k ON k.campaign_key = c.campaign_key " +
                $"LEFT JOIN {keys} mk ON mk.campaign_key = m.campaign_key";
            string ReportOf(bool edge) =>
                $"WITH charge_refunds AS MATERIALIZED ({ChargeRefunds(edge)}) " +
                "SELECT utm_source, utm_medium, utm_campaign, currency, SUM(sessions) AS sessions, SUM(paid) AS paid, " +
                "0 AS revenue, SUM(visited) AS visits, " +
                "SUM(CASE WHEN source = 1 THEN 1 ELSE 0 END) AS by_visit, " +
                "SUM(CASE WHEN source = 2 THEN 1 ELSE 0 END) AS by_reference, " +
                "SUM(CASE WHEN source = 3 THEN 1 ELSE 0 END) AS by_link, " +
                "SUM(gross) AS gross, SUM(renewals) AS renewals, SUM(renewal_revenue) AS renewal_revenue, " +
                "SUM(refunded) AS refunded, SUM(disputed) AS disputed, SUM(tax) AS tax " +
                $"FROM ({Attributed(pieces: false)}) attributed " +
                "GROUP BY utm_source, utm_medium, utm_campaign, currency " +
                // Ordered by revenue after it is worked out (NetRevenue); here, the order among equal revenues.
                $"ORDER BY utm_campaign IS NULL, utm_campaign {collation}, utm_source IS NULL, utm_source {collation}, " +
                $"utm_medium IS NULL, utm_medium {collation}, currency IS NULL, currency {collation}";
            Report = ReportOf(edge: false);
            ReportEdge = ReportOf(edge: true);

            // The same pieces one by one, with what finds their session's touches: its reference (the click id) and its time.
            string PiecesOf(bool edge) =>
                $"WITH charge_refunds AS MATERIALIZED ({ChargeRefunds(edge, before: true)}) " +
                "SELECT a.session_id, a.currency, a.sessions, a.paid, a.gross, a.renewals, a.renewal_revenue, a.refunded, a.disputed, a.tax, " +
                "a.visited, a.source, a.utm_source, a.utm_medium, a.utm_campaign, ss.client_reference_id, " +
                "COALESCE(ss.completed_at, ss.paid_at, ss.first_recorded_at), a.refunded_before " +
                $"FROM ({Attributed(pieces: true)}) a LEFT JOIN {dialect.SessionsTable} ss ON ss.session_id = a.session_id";
            Pieces = PiecesOf(edge: false);
            PiecesEdge = PiecesOf(edge: true);

            // A visitor's clicks in the window, up to and including the session's own click, which comes last; none when
            // the ledger does not know the click (made before retention deleted it, or never).
            var clicks = dialect.Table("payment_link_clicks");
            AnyClickBefore = $"SELECT 1 FROM {clicks} WHERE clicked_at < @until LIMIT 1";
            Touches = TouchesSql(dialect, $"{clicks} own", "own.click_id = @click_id AND (c.clicked_at >= @from OR c.click_id = own.click_id)");
        }

        public string Pieces { get; }

        /// <summary>The pieces of a short period: only the charges whose refunded amount moved in it are worked out.</summary>
        public string PiecesEdge { get; }

        public string AnyClickBefore { get; }

        public string Touches { get; }

        public string RecordVisit { get; }

        public string RegisterKey { get; }

        public string FindKey { get; }

        public string RecordVisitDetails { get; }

        public string UpdateVisitDetails { get; }

        public string FindSessionAndVisit { get; }

        public string CountUnclaimed { get; }

        public string ClaimVisit { get; }

        public string ClaimRecordedVisits { get; }

        public string RecordUnclaimed { get; }

        public string DeleteExpiredBrowsers { get; }

        public string DeleteExpiredVisitors { get; }

        public string RecordVisitVisitor { get; }

        public string EraseVisitVisitor { get; }

        public string DeleteExpiredUnclaimed { get; }

        public string RecordVisitBrowser { get; }

        public string EraseVisitBrowser { get; }

        public string DeleteExpiredDetails { get; }

        public string DeleteExpiredVisits { get; }

        public string EraseVisitDetails { get; }

        public string MergeSessionCampaign { get; }

        public string Report { get; }

        /// <summary>The report for a short period: only the charges whose refunded amount moved in it are worked out.</summary>
        public string ReportEdge { get; }
    }
}
