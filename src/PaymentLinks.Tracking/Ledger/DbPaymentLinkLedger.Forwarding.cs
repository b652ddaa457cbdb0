using System.Data;
using System.Data.Common;
using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// The forwarding outbox on the ledger: rows written in the transaction that makes a session paid (or refunded), claimed
/// in rounds under a lease on the database's clock, and their outcomes recorded a round at a time.
/// </summary>
internal sealed partial class DbPaymentLinkLedger
{
    private ForwardingStatements? _forwardingStatements;

    // Released when a write here enqueues a conversion, so that this process's forwarding worker sends it at once.
    private readonly SemaphoreSlim _conversionDue = new(0, 1);

    private ForwardingStatements Forwarding => _forwardingStatements ??= new ForwardingStatements(_dialect);

    /// <summary>Which destinations get a row when a session becomes paid; <see langword="null"/> when forwarding is off.</summary>
    internal ForwardingPlan? ForwardingPlan => _forwardingPlan?.Invoke();

    /// <summary>Waits until a write here enqueues a conversion, or <paramref name="timeout"/> passes.</summary>
    public Task WaitForDueConversionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _conversionDue.WaitAsync(timeout, cancellationToken);

    private void SignalConversionDue()
    {
        try
        {
            _conversionDue.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>
    /// Inside the transaction that merged a paid event: one <c>purchase</c> row per configured destination, once per
    /// session (the row's key makes a redelivered or later paid event add nothing).
    /// </summary>
    private async Task<bool> EnqueuePurchaseAsync(DbConnection connection, DbTransaction transaction, string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ForwardingPlan is not { } plan)
        {
            return false;
        }

        var added = 0;
        foreach (var destination in plan.Destinations)
        {
            await using var insert = Command(connection, transaction, Forwarding.EnqueuePurchase);
            LedgerDialect.AddParameter(insert, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
            LedgerDialect.AddParameter(insert, "include_test", plan.IncludeTestMode, DbType.Boolean);
            LedgerDialect.AddParameter(insert, "all_sessions", _sessions == PaymentLinkLedgerSessions.All ? 1 : 0, DbType.Int32);
            _dialect.AddTime(insert, "now", now);
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return added > 0;
    }

    /// <summary>
    /// Inside the transaction that records a refund: one <c>refund</c> row for GA4 and one for the webhook, when they are
    /// configured (Meta has no refund event). <paramref name="refundKey"/> tells this refund from the session's others, so
    /// that a redelivered refund adds nothing. Rows only for sessions forwarded as paid (a refund of a test payment follows
    /// <see cref="PaymentLinkForwardingOptions.IncludeTestMode"/>).
    /// </summary>
    /// <returns>Whether a row was added.</returns>
    internal async Task<bool> EnqueueRefundAsync(
        DbConnection connection,
        DbTransaction transaction,
        string sessionId,
        string refundKey,
        long amount,
        string? currency,
        DateTimeOffset refundedAt,
        CancellationToken cancellationToken)
    {
        if (ForwardingPlan is not { } plan)
        {
            return false;
        }

        var added = 0;
        foreach (var destination in plan.Destinations)
        {
            if (destination == ForwardingDestination.Meta)
            {
                continue;
            }

            await using var insert = Command(connection, transaction, Forwarding.EnqueueRefund);
            LedgerDialect.AddParameter(insert, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
            LedgerDialect.AddParameter(insert, "refund_key", refundKey, DbType.String);
            LedgerDialect.AddParameter(insert, "amount", amount, DbType.Int64);
            LedgerDialect.AddParameter(insert, "currency", currency, DbType.String);
            LedgerDialect.AddParameter(insert, "include_test", plan.IncludeTestMode, DbType.Boolean);
            _dialect.AddTime(insert, "occurred_at", refundedAt);
            _dialect.AddTime(insert, "now", _timeProvider.GetUtcNow());
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (added > 0)
        {
            SignalConversionDue();
        }

        return added > 0;
    }

    /// <summary>
    /// The ledger's refund hook: a session's refunded amount rose by <see cref="SessionRefundChange.Change"/>. The new
    /// cumulative amount keys the row, so that a redelivered <c>charge.refunded</c> (which raises nothing) adds none.
    /// </summary>
    private async Task EnqueueRefundAsync(DbConnection connection, DbTransaction transaction, SessionRefundChange change, CancellationToken cancellationToken) =>
        await EnqueueRefundAsync(
            connection,
            transaction,
            change.SessionId,
            change.RefundedAmount.ToString(CultureInfo.InvariantCulture),
            change.Change,
            change.Currency,
            _timeProvider.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Enqueues a refund in a transaction of its own: for a refund recorded outside <see cref="RecordAsync"/>, and for tests.
    /// </summary>
    internal async Task<bool> EnqueueRefundAsync(
        string sessionId, string refundKey, long amount, string? currency, DateTimeOffset refundedAt, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var added = await EnqueueRefundAsync(connection, transaction, sessionId, refundKey, amount, currency, refundedAt, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>Keeps what the thank-you page saw: the first visit's values, gaps filled later, consent as last reported.</summary>
    private async Task RecordVisitDetailsAsync(DbConnection connection, DbTransaction transaction, string sessionId, ThankYouVisitDetails details, CancellationToken cancellationToken)
    {
        await using var upsert = Command(connection, transaction, Forwarding.RecordVisitDetails);
        LedgerDialect.AddParameter(upsert, "session_id", sessionId, DbType.String);
        LedgerDialect.AddParameter(upsert, "ga_cookie", Cut(details.GoogleAnalyticsCookie), DbType.String);
        LedgerDialect.AddParameter(upsert, "fbp_cookie", Cut(details.MetaBrowserCookie), DbType.String);
        LedgerDialect.AddParameter(upsert, "fbc_cookie", Cut(details.MetaClickCookie), DbType.String);
        LedgerDialect.AddParameter(upsert, "user_agent", Cut(details.UserAgent), DbType.String);
        LedgerDialect.AddParameter(upsert, "page_url", Cut(details.PageUrl), DbType.String);
        LedgerDialect.AddParameter(upsert, "client_ip", Cut(details.ClientIp), DbType.String);
        LedgerDialect.AddParameter(
            upsert,
            "consent",
            details.Consent switch { VisitConsent.Granted => "granted", VisitConsent.Denied => "denied", _ => null },
            DbType.String);
        _dialect.AddTime(upsert, "now", _timeProvider.GetUtcNow());
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        static string? Cut(string? value) =>
            string.IsNullOrWhiteSpace(value) ? null : value.Length <= ThankYouVisitDetails.MaxValueLength ? value : value[..ThankYouVisitDetails.MaxValueLength];
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> due rows of one destination for <paramref name="owner"/>, counting the try
    /// when it starts, and reads what sending them needs; the lease and the due times are on the database's clock.
    /// </summary>
    public async Task<IReadOnlyList<OutboxRow>> ClaimConversionsAsync(
        ForwardingDestination destination, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        int claimed;
        await using (var claim = Command(connection, transaction, Forwarding.Claim))
        {
            LedgerDialect.AddParameter(claim, "destination", ForwardingNames.Of(destination), DbType.String);
            LedgerDialect.AddParameter(claim, "owner", owner, DbType.String);
            LedgerDialect.AddParameter(claim, "limit", limit, DbType.Int32);
            LedgerDialect.AddMilliseconds(claim, "lease_ms", lease);
            claimed = await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var rows = new List<OutboxRow>(claimed);
        if (claimed > 0)
        {
            await using var read = Command(connection, transaction, Forwarding.ReadClaimed);
            LedgerDialect.AddParameter(read, "owner", owner, DbType.String);
            LedgerDialect.AddParameter(read, "destination", ForwardingNames.Of(destination), DbType.String);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new OutboxRow
                {
                    Id = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                    SessionId = reader.GetString(1),
                    Destination = destination,
                    Kind = ForwardingNames.Kind(reader.GetString(2)),
                    RefundKey = reader.GetString(3),
                    Amount = reader.IsDBNull(4) ? null : Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                    Currency = StringOrNull(reader, 5),
                    OccurredAt = _dialect.ReadTime(reader, 6)!.Value,
                    Livemode = reader.GetBoolean(7),
                    Attempts = Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture),
                    PaymentLinkId = StringOrNull(reader, 9),
                    ClientReferenceId = StringOrNull(reader, 10),
                    CustomerEmail = StringOrNull(reader, 11),
                    GoogleAnalyticsCookie = StringOrNull(reader, 12),
                    MetaBrowserCookie = StringOrNull(reader, 13),
                    MetaClickCookie = StringOrNull(reader, 14),
                    UserAgent = StringOrNull(reader, 15),
                    PageUrl = StringOrNull(reader, 16),
                    ClientIp = StringOrNull(reader, 17),
                    Consent = StringOrNull(reader, 18) switch { "granted" => VisitConsent.Granted, "denied" => VisitConsent.Denied, _ => VisitConsent.NotReported },
                    HasVisit = !reader.IsDBNull(19),
                    DatabaseNow = _dialect.ReadTime(reader, 20)!.Value,
                });
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Records a round's outcomes in one transaction; each only while its row is still pending.</summary>
    public async Task RecordOutcomesAsync(string owner, IReadOnlyCollection<OutboxOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        foreach (var outcome in outcomes)
        {
            var sql = outcome.State switch
            {
                ForwardingState.Sent => Forwarding.MarkSent,
                ForwardingState.Pending when outcome.RetryAfter is null => Forwarding.Release,
                ForwardingState.Pending => Forwarding.Retry,
                _ => Forwarding.MarkFinal,
            };
            await using var update = Command(connection, transaction, sql);
            LedgerDialect.AddParameter(update, "id", outcome.Id, DbType.Int64);
            LedgerDialect.AddParameter(update, "owner", owner, DbType.String);
            _dialect.AddTime(update, "now", now);
            if (sql == Forwarding.Retry)
            {
                LedgerDialect.AddMilliseconds(update, "delay_ms", outcome.RetryAfter);
                LedgerDialect.AddParameter(update, "error", outcome.Error, DbType.String);
            }
            else if (sql == Forwarding.MarkFinal)
            {
                LedgerDialect.AddParameter(update, "state", ForwardingNames.Of(outcome.State), DbType.String);
                LedgerDialect.AddParameter(update, "error", outcome.Error, DbType.String);
            }

            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many conversions wait in the outbox (due now or waiting for a retry), for the pending gauge.</summary>
    public async Task<long> CountPendingConversionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = Command(connection, null, $"SELECT COUNT(*) FROM {_dialect.Table("payment_link_forwarding")} WHERE state = 'pending'");
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>The outbox's rows, newest first, in one state or all.</summary>
    public async Task<IReadOnlyList<ForwardedConversion>> ListConversionsAsync(ForwardingState? state, string? sessionId, int limit, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = Command(connection, null, Forwarding.List);
        LedgerDialect.AddParameter(list, "state", state is { } s ? ForwardingNames.Of(s) : null, DbType.String);
        LedgerDialect.AddParameter(list, "session_id", sessionId, DbType.String);
        LedgerDialect.AddParameter(list, "limit", limit, DbType.Int32);
        var rows = new List<ForwardedConversion>();
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ForwardedConversion
            {
                Id = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                SessionId = reader.GetString(1),
                Destination = ForwardingNames.Destination(reader.GetString(2)),
                Kind = ForwardingNames.Kind(reader.GetString(3)),
                State = ForwardingNames.State(reader.GetString(4)),
                Attempts = Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture),
                Amount = reader.IsDBNull(6) ? null : Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture),
                Currency = StringOrNull(reader, 7),
                OccurredAt = _dialect.ReadTime(reader, 8)!.Value,
                DueAt = _dialect.ReadTime(reader, 9),
                SentAt = _dialect.ReadTime(reader, 10),
                LastError = StringOrNull(reader, 11),
            });
        }

        return rows;
    }

    /// <summary>Makes failed and dead rows pending again with their tries reset: one session's, or every dead one.</summary>
    public async Task<int> RetryConversionsAsync(string? sessionId, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        int changed;
        await using (var retry = Command(connection, transaction, sessionId is null ? Forwarding.RetryAllDead : Forwarding.RetrySession))
        {
            LedgerDialect.AddParameter(retry, "session_id", sessionId, DbType.String);
            _dialect.AddTime(retry, "now", _timeProvider.GetUtcNow());
            changed = await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            SignalConversionDue();
        }

        return changed;
    }

    /// <summary>The outbox's SQL: the same on both engines but for the tables' names and the database's clock.</summary>
    private sealed class ForwardingStatements
    {
        public ForwardingStatements(LedgerDialect dialect)
        {
            var outbox = dialect.Table("payment_link_forwarding");
            var details = dialect.Table("payment_link_visit_details");
            var sessions = dialect.SessionsTable;
            var dbNow = dialect.Now;
            const string Columns =
                "session_id, destination, kind, refund_key, amount, currency, occurred_at, livemode, state, attempts, due_at, created_at, updated_at";

            // The session's own row says whether it is paid and live: the row's key makes the insert happen once.
            EnqueuePurchase =
                $"INSERT INTO {outbox} ({Columns}) " +
                $"SELECT s.session_id, @destination, 'purchase', '', s.amount_total, s.currency, s.paid_at, s.livemode, 'pending', 0, {dbNow}, @now, @now " +
                $"FROM {sessions} s WHERE s.session_id = @session_id AND s.paid_at IS NOT NULL AND (s.livemode OR @include_test) " +
                "AND (@all_sessions = 1 OR s.payment_link_id IS NOT NULL) " +
                "ON CONFLICT (session_id, destination, kind, refund_key) DO NOTHING";
            EnqueueRefund =
                $"INSERT INTO {outbox} ({Columns}) " +
                $"SELECT s.session_id, @destination, 'refund', @refund_key, @amount, COALESCE(@currency, s.currency), @occurred_at, s.livemode, 'pending', 0, {dbNow}, @now, @now " +
                $"FROM {sessions} s WHERE s.session_id = @session_id AND s.paid_at IS NOT NULL AND (s.livemode OR @include_test) " +
                "ON CONFLICT (session_id, destination, kind, refund_key) DO NOTHING";
            RecordVisitDetails =
                $"INSERT INTO {details} AS d (session_id, ga_cookie, fbp_cookie, fbc_cookie, user_agent, page_url, client_ip, consent, recorded_at, updated_at) " +
                "VALUES (@session_id, @ga_cookie, @fbp_cookie, @fbc_cookie, @user_agent, @page_url, @client_ip, @consent, @now, @now) " +
                "ON CONFLICT (session_id) DO UPDATE SET ga_cookie = COALESCE(d.ga_cookie, excluded.ga_cookie), " +
                "fbp_cookie = COALESCE(d.fbp_cookie, excluded.fbp_cookie), fbc_cookie = COALESCE(d.fbc_cookie, excluded.fbc_cookie), " +
                "user_agent = COALESCE(d.user_agent, excluded.user_agent), page_url = COALESCE(d.page_url, excluded.page_url), " +
                "client_ip = COALESCE(d.client_ip, excluded.client_ip), consent = COALESCE(excluded.consent, d.consent), " +
                "updated_at = excluded.updated_at";

            // The try is counted when it starts, so that a process that dies mid-request uses one up.
            Claim =
                $"UPDATE {outbox} SET lease_owner = @owner, lease_until = {dialect.NowPlus("@lease_ms")}, attempts = attempts + 1 " +
                $"WHERE id IN (SELECT id FROM {outbox} WHERE destination = @destination AND state = 'pending' AND due_at <= {dbNow} " +
                $"AND (lease_until IS NULL OR lease_until <= {dbNow}) ORDER BY due_at, id LIMIT @limit {dialect.ClaimLock})";
            ReadClaimed =
                "SELECT f.id, f.session_id, f.kind, f.refund_key, f.amount, f.currency, f.occurred_at, f.livemode, f.attempts, " +
                "s.payment_link_id, s.client_reference_id, s.customer_email, d.ga_cookie, d.fbp_cookie, d.fbc_cookie, d.user_agent, " +
                $"d.page_url, d.client_ip, d.consent, d.session_id, {dbNow} " +
                $"FROM {outbox} f LEFT JOIN {sessions} s ON s.session_id = f.session_id " +
                $"LEFT JOIN {details} d ON d.session_id = f.session_id " +
                "WHERE f.lease_owner = @owner AND f.destination = @destination AND f.state = 'pending' ORDER BY f.id";
            MarkSent =
                $"UPDATE {outbox} SET state = 'sent', sent_at = {dbNow}, due_at = NULL, lease_owner = NULL, lease_until = NULL, " +
                "last_error = NULL, updated_at = @now WHERE id = @id AND state = 'pending'";
            Retry =
                $"UPDATE {outbox} SET due_at = {dialect.NowPlus("@delay_ms")}, last_error = @error, lease_owner = NULL, " +
                "lease_until = NULL, updated_at = @now WHERE id = @id AND lease_owner = @owner AND state = 'pending'";
            MarkFinal =
                $"UPDATE {outbox} SET state = @state, due_at = NULL, last_error = @error, lease_owner = NULL, lease_until = NULL, " +
                "updated_at = @now WHERE id = @id AND lease_owner = @owner AND state = 'pending'";
            Release =
                $"UPDATE {outbox} SET lease_owner = NULL, lease_until = NULL, attempts = attempts - 1, updated_at = @now " +
                "WHERE id = @id AND lease_owner = @owner AND state = 'pending'";
            List =
                "SELECT id, session_id, destination, kind, state, attempts, amount, currency, occurred_at, due_at, sent_at, last_error " +
                $"FROM {outbox} WHERE (@state IS NULL OR state = @state) AND (@session_id IS NULL OR session_id = @session_id) " +
                "ORDER BY id DESC LIMIT @limit";
            const string Requeue =
                "SET state = 'pending', attempts = 0, due_at = {0}, lease_owner = NULL, lease_until = NULL, updated_at = @now ";
            RetrySession =
                $"UPDATE {outbox} {string.Format(CultureInfo.InvariantCulture, Requeue, dbNow)}" +
                "WHERE session_id = @session_id AND state IN ('failed', 'dead')";
            RetryAllDead =
                $"UPDATE {outbox} {string.Format(CultureInfo.InvariantCulture, Requeue, dbNow)}WHERE state = 'dead' AND @session_id IS NULL";
        }

        public string EnqueuePurchase { get; }

        public string EnqueueRefund { get; }

        public string RecordVisitDetails { get; }

        public string Claim { get; }

        public string ReadClaimed { get; }

        public string MarkSent { get; }

        public string Retry { get; }

        public string MarkFinal { get; }

        public string Release { get; }

        public string List { get; }

        public string RetrySession { get; }

        public string RetryAllDead { get; }
    }
}
