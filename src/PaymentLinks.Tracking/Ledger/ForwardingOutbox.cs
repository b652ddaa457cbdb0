using System.Data;
using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// The forwarding outbox on the ledger: rows written in the transaction that makes a session paid (or refunded), claimed
/// in rounds under a lease on the database's clock, and their outcomes recorded a round at a time.
/// </summary>
internal sealed class ForwardingOutbox : IDisposable
{
    private readonly LedgerStore _store;
    private readonly LedgerDialect _dialect;
    private readonly Func<ForwardingPlan?>? _forwardingPlan;
    private readonly ForwardingStatements _sql;

    // Released when a write here enqueues a conversion, so that this process's forwarding worker sends it at once.
    private readonly SemaphoreSlim _conversionDue = new(0, 1);

    public ForwardingOutbox(LedgerStore store, Func<ForwardingPlan?>? forwardingPlan)
    {
        _store = store;
        _dialect = store.Dialect;
        _forwardingPlan = forwardingPlan;
        _sql = new ForwardingStatements(store.Dialect);
    }

    /// <summary>Which destinations get a row when a session becomes paid; <see langword="null"/> when forwarding is off.</summary>
    public ForwardingPlan? ForwardingPlan => _forwardingPlan?.Invoke();

    /// <summary>Waits until a write here enqueues a conversion, or <paramref name="timeout"/> passes.</summary>
    public Task WaitForDueConversionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _conversionDue.WaitAsync(timeout, cancellationToken);

    public void SignalConversionDue()
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
    /// Inside the <paramref name="unit"/> that merged a paid event: one <c>purchase</c> row per configured destination, once
    /// per session (the row's key makes a redelivered or later paid event add nothing).
    /// </summary>
    /// <returns>Whether a row was added.</returns>
    public async Task<bool> EnqueuePurchaseAsync(LedgerUnit unit, string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ForwardingPlan is not { } plan)
        {
            return false;
        }

        var added = 0;
        foreach (var destination in plan.Destinations)
        {
            await using var insert = unit.Command(_sql.EnqueuePurchase);
            LedgerDialect.AddParameter(insert, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
            LedgerDialect.AddParameter(insert, "include_test", plan.IncludeTestMode, DbType.Boolean);
            _store.AddAllSessions(insert);
            _dialect.AddTime(insert, "now", now);
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return added > 0;
    }

    /// <summary>
    /// Inside the <paramref name="unit"/> that records a refund: one <c>refund</c> row for GA4 and one for the webhook, when
    /// they are configured (Meta has no refund event). <paramref name="refundKey"/> tells this refund from the session's
    /// others, so that a redelivered refund adds nothing. Rows only for sessions forwarded as paid (a refund of a test
    /// payment follows <see cref="PaymentLinkForwardingOptions.IncludeTestMode"/>).
    /// </summary>
    /// <returns>Whether a row was added.</returns>
    public async Task<bool> EnqueueRefundAsync(
        LedgerUnit unit,
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

            await using var insert = unit.Command(_sql.EnqueueRefund);
            LedgerDialect.AddParameter(insert, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
            LedgerDialect.AddParameter(insert, "refund_key", refundKey, DbType.String);
            LedgerDialect.AddParameter(insert, "amount", amount, DbType.Int64);
            LedgerDialect.AddParameter(insert, "currency", currency, DbType.String);
            LedgerDialect.AddParameter(insert, "include_test", plan.IncludeTestMode, DbType.Boolean);
            _dialect.AddTime(insert, "occurred_at", refundedAt);
            _dialect.AddTime(insert, "now", _store.TimeProvider.GetUtcNow());
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (added > 0)
        {
            SignalConversionDue();
        }

        return added > 0;
    }

    /// <summary>
    /// A session's refunded amount rose by <see cref="SessionRefundChange.Change"/>, inside the <paramref name="unit"/> of
    /// the event that raised it. The new cumulative amount keys the row, so that a redelivered <c>charge.refunded</c>
    /// (which raises nothing) adds none.
    /// </summary>
    public Task<bool> EnqueueRefundAsync(LedgerUnit unit, SessionRefundChange change, CancellationToken cancellationToken) =>
        EnqueueRefundAsync(
            unit,
            change.SessionId,
            change.RefundedAmount.ToString(CultureInfo.InvariantCulture),
            change.Change,
            change.Currency,
            _store.TimeProvider.GetUtcNow(),
            cancellationToken);

    /// <summary>
    /// Enqueues a refund in a transaction of its own: for a refund recorded outside the ledger's own write, and for tests.
    /// </summary>
    public async Task<bool> EnqueueRefundAsync(
        string sessionId, string refundKey, long amount, string? currency, DateTimeOffset refundedAt, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var added = await EnqueueRefundAsync(unit, sessionId, refundKey, amount, currency, refundedAt, cancellationToken).ConfigureAwait(false);
        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> due rows of one destination for <paramref name="owner"/>, counting the try
    /// when it starts, and reads what sending them needs; the lease and the due times are on the database's clock.
    /// </summary>
    public async Task<IReadOnlyList<OutboxRow>> ClaimConversionsAsync(
        ForwardingDestination destination, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int claimed;
        await using (var claim = unit.Command(_sql.Claim))
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
            await using var read = unit.Command(_sql.ReadClaimed);
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
                    Currency = LedgerStore.StringOrNull(reader, 5),
                    OccurredAt = _dialect.ReadTime(reader, 6)!.Value,
                    Livemode = reader.GetBoolean(7),
                    Attempts = Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture),
                    PaymentLinkId = LedgerStore.StringOrNull(reader, 9),
                    ClientReferenceId = LedgerStore.StringOrNull(reader, 10),
                    CustomerEmail = LedgerStore.StringOrNull(reader, 11),
                    GoogleAnalyticsCookie = LedgerStore.StringOrNull(reader, 12),
                    MetaBrowserCookie = LedgerStore.StringOrNull(reader, 13),
                    MetaClickCookie = LedgerStore.StringOrNull(reader, 14),
                    UserAgent = LedgerStore.StringOrNull(reader, 15),
                    PageUrl = LedgerStore.StringOrNull(reader, 16),
                    ClientIp = LedgerStore.StringOrNull(reader, 17),
                    Consent = LedgerStore.StringOrNull(reader, 18) switch { "granted" => VisitConsent.Granted, "denied" => VisitConsent.Denied, _ => VisitConsent.NotReported },
                    HasVisit = !reader.IsDBNull(19),
                    DatabaseNow = _dialect.ReadTime(reader, 20)!.Value,
                    EnqueuedAt = _dialect.ReadTime(reader, 21)!.Value,
                    PurchaseState = reader.IsDBNull(22) ? null : ForwardingNames.State(reader.GetString(22)),
                    LastError = LedgerStore.StringOrNull(reader, 23),
                });
            }
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Records a round's outcomes in one transaction; each only while its row is still pending.</summary>
    public async Task RecordOutcomesAsync(string owner, IReadOnlyCollection<OutboxOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var now = _store.TimeProvider.GetUtcNow();
        foreach (var outcome in outcomes)
        {
            var sql = outcome.State switch
            {
                ForwardingState.Sent => _sql.MarkSent,
                ForwardingState.Pending when outcome.RetryAfter is null => _sql.Release,
                ForwardingState.Pending => _sql.Retry,
                _ => _sql.MarkFinal,
            };
            await using var update = unit.Command(sql);
            LedgerDialect.AddParameter(update, "id", outcome.Id, DbType.Int64);
            LedgerDialect.AddParameter(update, "owner", owner, DbType.String);
            _dialect.AddTime(update, "now", now);
            if (sql == _sql.Retry)
            {
                LedgerDialect.AddMilliseconds(update, "delay_ms", outcome.RetryAfter);
                LedgerDialect.AddParameter(update, "error", outcome.Error, DbType.String);
            }
            else if (sql == _sql.MarkFinal)
            {
                LedgerDialect.AddParameter(update, "state", ForwardingNames.Of(outcome.State), DbType.String);
                LedgerDialect.AddParameter(update, "error", outcome.Error, DbType.String);
            }

            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many conversions wait in the outbox (due now or waiting for a retry), for the pending gauge.</summary>
    public async Task<long> CountPendingConversionsAsync(CancellationToken cancellationToken)
    {
        await using var unit = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = unit.Command(_sql.CountPending);
        return LedgerStore.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>How many rows are dead and how many failed, counted in <paramref name="unit"/>, for the ledger's status.</summary>
    public async Task<(long Dead, long Failed)> CountStoppedConversionsAsync(LedgerUnit unit, CancellationToken cancellationToken)
    {
        long dead = 0, failed = 0;
        await using var stopped = unit.Command(_sql.CountStopped);
        await using var reader = await stopped.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var count = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            if (reader.GetString(0) == "dead")
            {
                dead = count;
            }
            else
            {
                failed = count;
            }
        }

        return (dead, failed);
    }

    /// <summary>
    /// How long the oldest pending row has waited since it entered the outbox (on the ledger's clock), read in
    /// <paramref name="unit"/>; <see langword="null"/> when none waits.
    /// </summary>
    public async Task<TimeSpan?> ReadOldestPendingAgeAsync(LedgerUnit unit, CancellationToken cancellationToken)
    {
        await using var oldest = unit.Command(_sql.OldestPending);
        await using var reader = await oldest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || _dialect.ReadTime(reader, 0) is not { } createdAt)
        {
            return null;
        }

        var age = _store.TimeProvider.GetUtcNow() - createdAt;
        return age < TimeSpan.Zero ? TimeSpan.Zero : age;
    }

    /// <summary>Deletes up to <paramref name="limit"/> sent rows sent before <paramref name="cutoff"/>; how many went.</summary>
    public async Task<int> DeleteSentBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int deleted;
        await using (var delete = unit.Command(_sql.DeleteSent))
        {
            _dialect.AddTime(delete, "cutoff", cutoff);
            LedgerDialect.AddParameter(delete, "limit", limit, DbType.Int32);
            deleted = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>The outbox's rows, newest first, in one state or all.</summary>
    public async Task<IReadOnlyList<ForwardedConversion>> ListConversionsAsync(ForwardingState? state, string? sessionId, int limit, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = unit.Command(_sql.List);
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
                Currency = LedgerStore.StringOrNull(reader, 7),
                OccurredAt = _dialect.ReadTime(reader, 8)!.Value,
                DueAt = _dialect.ReadTime(reader, 9),
                SentAt = _dialect.ReadTime(reader, 10),
                LastError = LedgerStore.StringOrNull(reader, 11),
            });
        }

        return rows;
    }

    /// <summary>Makes failed and dead rows pending again with their tries reset: one session's, or every one.</summary>
    public async Task<int> RetryConversionsAsync(string? sessionId, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int changed;
        await using (var retry = unit.Command(sessionId is null ? _sql.RetryAllStopped : _sql.RetrySession))
        {
            LedgerDialect.AddParameter(retry, "session_id", sessionId, DbType.String);
            _dialect.AddTime(retry, "now", _store.TimeProvider.GetUtcNow());
            changed = await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            SignalConversionDue();
        }

        return changed;
    }

    public void Dispose() => _conversionDue.Dispose();

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

            // The try is counted when it starts, so that a process that dies mid-request uses one up.
            Claim =
                $"UPDATE {outbox} SET lease_owner = @owner, lease_until = {dialect.NowPlus("@lease_ms")}, attempts = attempts + 1 " +
                $"WHERE id IN (SELECT f.id FROM {outbox} f WHERE f.destination = @destination AND f.state = 'pending' AND f.due_at <= {dbNow} " +
                $"AND (f.lease_until IS NULL OR f.lease_until <= {dbNow}) " +
                // A refund waits while its purchase is pending at the same destination (due, leased or in backoff), so that
                // it never arrives before the purchase was accepted there. Through the rows' unique key.
                $"AND (f.kind <> 'refund' OR NOT EXISTS (SELECT 1 FROM {outbox} p WHERE p.session_id = f.session_id " +
                "AND p.destination = f.destination AND p.kind = 'purchase' AND p.refund_key = '' AND p.state = 'pending')) " +
                $"ORDER BY f.due_at, f.id LIMIT @limit {dialect.ClaimLock})";
            ReadClaimed =
                "SELECT f.id, f.session_id, f.kind, f.refund_key, f.amount, f.currency, f.occurred_at, f.livemode, f.attempts, " +
                "s.payment_link_id, s.client_reference_id, s.customer_email, d.ga_cookie, d.fbp_cookie, d.fbc_cookie, d.user_agent, " +
                $"d.page_url, d.client_ip, d.consent, d.session_id, {dbNow}, f.created_at, " +
                $"(SELECT p.state FROM {outbox} p WHERE p.session_id = f.session_id AND p.destination = f.destination " +
                "AND p.kind = 'purchase' AND p.refund_key = ''), f.last_error " +
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
            RetryAllStopped =
                $"UPDATE {outbox} {string.Format(CultureInfo.InvariantCulture, Requeue, dbNow)}WHERE state IN ('failed', 'dead') AND @session_id IS NULL";
            CountPending = $"SELECT COUNT(*) FROM {outbox} WHERE state = 'pending'";

            // Ids grow with the time rows are written: the oldest pending row is the first through the (state, id) index.
            OldestPending = $"SELECT created_at FROM {outbox} WHERE state = 'pending' ORDER BY id LIMIT 1";

            // Through the sent rows' sent_at index (schema version 11), a batch at a time.
            DeleteSent =
                $"DELETE FROM {outbox} WHERE id IN (SELECT id FROM {outbox} WHERE state = 'sent' AND sent_at < @cutoff ORDER BY sent_at LIMIT @limit)";

            // Through the outbox's (state, id) index: the dead and failed rows only, however many were sent.
            CountStopped = $"SELECT state, COUNT(*) FROM {outbox} WHERE state IN ('dead', 'failed') GROUP BY state";
        }

        public string EnqueuePurchase { get; }

        public string EnqueueRefund { get; }

        public string Claim { get; }

        public string ReadClaimed { get; }

        public string MarkSent { get; }

        public string Retry { get; }

        public string MarkFinal { get; }

        public string Release { get; }

        public string List { get; }

        public string RetrySession { get; }

        public string RetryAllStopped { get; }

        public string CountPending { get; }

        public string OldestPending { get; }

        public string DeleteSent { get; }

        public string CountStopped { get; }
    }
}
