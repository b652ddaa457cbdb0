using System.Data;
using System.Data.Common;
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
    /// per session (the row's key makes a redelivered or later paid event add nothing). Where the purchase enters, what
    /// was recorded before it follows it in: the subscription's renewals already paid, and what was refunded of the
    /// purchase already (Stripe does not order its events, and catch-up may bring a refund first).
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
            var purchase = await EnqueueAsync(unit, _sql.EnqueuePurchase, insert =>
            {
                LedgerDialect.AddParameter(insert, "session_id", sessionId, DbType.String);
                LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
                LedgerDialect.AddParameter(insert, "include_test", plan.IncludeTestMode, DbType.Boolean);
                _store.AddAllSessions(insert);
                _dialect.AddTime(insert, "now", now);
            }, cancellationToken).ConfigureAwait(false);

            added += purchase;
            if (purchase == 0)
            {
                continue;
            }

            if (plan.SendsRenewals(destination))
            {
                added += await EnqueueAsync(unit, _sql.EnqueueSessionRenewals, renewals =>
                {
                    LedgerDialect.AddParameter(renewals, "session_id", sessionId, DbType.String);
                    LedgerDialect.AddParameter(renewals, "destination", ForwardingNames.Of(destination), DbType.String);
                    _dialect.AddTime(renewals, "now", now);
                }, cancellationToken).ConfigureAwait(false);
            }

            if (plan.SendsRefunds(destination))
            {
                added += await EnqueueAsync(unit, _sql.EnqueueRefundedBeforePurchase, refunded =>
                {
                    LedgerDialect.AddParameter(refunded, "session_id", sessionId, DbType.String);
                    LedgerDialect.AddParameter(refunded, "destination", ForwardingNames.Of(destination), DbType.String);
                    _dialect.AddTime(refunded, "now", now);
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        return added > 0;
    }

    /// <summary>
    /// Inside the <paramref name="unit"/> that merged a paid invoice: a <c>renewal</c> row for each destination that takes
    /// renewals, when the invoice renews a subscription (<c>subscription_cycle</c> or <c>subscription_update</c>, some money
    /// paid) whose first purchase went to that destination. The invoice's id keys the row.
    /// </summary>
    /// <returns>Whether a row was added.</returns>
    public async Task<bool> EnqueueRenewalAsync(LedgerUnit unit, string invoiceId, CancellationToken cancellationToken)
    {
        if (ForwardingPlan is not { } plan)
        {
            return false;
        }

        var added = 0;
        foreach (var destination in plan.Destinations.Where(plan.SendsRenewals))
        {
            added += await EnqueueAsync(unit, _sql.EnqueueRenewal, insert =>
            {
                LedgerDialect.AddParameter(insert, "invoice_id", invoiceId, DbType.String);
                LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
                _dialect.AddTime(insert, "now", _store.TimeProvider.GetUtcNow());
            }, cancellationToken).ConfigureAwait(false);
        }

        return added > 0;
    }

    /// <summary>
    /// Inside the <paramref name="unit"/> that records a refund: one <c>refund</c> row for GA4 and one for the webhook, when
    /// they are configured (Meta has no refund event), each only where the refunded transaction went: the session's
    /// purchase, or the renewal <paramref name="invoiceId"/> names. <paramref name="refundKey"/> tells this refund from the
    /// session's others, so that a redelivered refund adds nothing. The row carries its share of the transaction's tax and
    /// shipping, and is dated <paramref name="refundedAt"/>, when Stripe made it.
    /// </summary>
    /// <returns>Whether a row was added.</returns>
    public async Task<bool> EnqueueRefundAsync(
        LedgerUnit unit,
        string sessionId,
        string refundKey,
        long amount,
        string? currency,
        DateTimeOffset refundedAt,
        CancellationToken cancellationToken,
        string? invoiceId = null)
    {
        if (ForwardingPlan is not { } plan)
        {
            return false;
        }

        var added = 0;
        foreach (var destination in plan.Destinations.Where(plan.SendsRefunds))
        {
            added += await EnqueueAsync(unit, _sql.EnqueueRefund, insert =>
            {
                LedgerDialect.AddParameter(insert, "session_id", sessionId, DbType.String);
                LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
                LedgerDialect.AddParameter(insert, "refund_key", refundKey, DbType.String);
                LedgerDialect.AddParameter(insert, "amount", amount, DbType.Int64);
                LedgerDialect.AddParameter(insert, "currency", currency, DbType.String);
                LedgerDialect.AddParameter(insert, "invoice_id", invoiceId, DbType.String);
                _dialect.AddTime(insert, "occurred_at", refundedAt);
                _dialect.AddTime(insert, "now", _store.TimeProvider.GetUtcNow());
            }, cancellationToken).ConfigureAwait(false);
        }

        if (added > 0)
        {
            SignalConversionDue();
        }

        return added > 0;
    }

    /// <summary>
    /// A session's refunded amount rose by <see cref="SessionRefundChange.Change"/>, inside the <paramref name="unit"/> of
    /// the event that raised it, made at <paramref name="refundedAt"/>. The new cumulative amount keys the row, so that a
    /// redelivered <c>charge.refunded</c> (which raises nothing) adds none.
    /// </summary>
    public Task<bool> EnqueueRefundAsync(LedgerUnit unit, SessionRefundChange change, DateTimeOffset refundedAt, CancellationToken cancellationToken) =>
        EnqueueRefundAsync(
            unit,
            change.SessionId,
            change.RefundedAmount.ToString(CultureInfo.InvariantCulture),
            change.Change,
            change.Currency,
            refundedAt,
            cancellationToken,
            change.InvoiceId);

    /// <summary>
    /// Inside the <paramref name="unit"/> of a <c>charge.refund.updated</c> that reports <paramref name="refund"/> failed or
    /// canceled: a <c>refund_reversed</c> row for the webhook (GA4 and Meta have no such event), when a refund of the
    /// charge's session went to it. The refund's id keys the row; it is dated <paramref name="failedAt"/>.
    /// </summary>
    /// <returns>Whether a row was added.</returns>
    public async Task<bool> EnqueueRefundReversedAsync(LedgerUnit unit, PaymentLinkRefund refund, DateTimeOffset failedAt, CancellationToken cancellationToken)
    {
        if (ForwardingPlan is not { } plan || refund.ChargeId is null)
        {
            return false;
        }

        var now = _store.TimeProvider.GetUtcNow();
        var added = 0;
        foreach (var destination in plan.Destinations.Where(plan.SendsRefundReversals))
        {
            added += await EnqueueAsync(unit, _sql.EnqueueRefundReversed, insert =>
            {
                LedgerDialect.AddParameter(insert, "destination", ForwardingNames.Of(destination), DbType.String);
                LedgerDialect.AddParameter(insert, "refund_id", refund.RefundId, DbType.String);
                LedgerDialect.AddParameter(insert, "charge_id", refund.ChargeId, DbType.String);
                LedgerDialect.AddParameter(insert, "payment_intent", refund.PaymentIntentId, DbType.String);
                LedgerDialect.AddParameter(insert, "amount", refund.Amount, DbType.Int64);
                _dialect.AddTime(insert, "occurred_at", failedAt);
                _dialect.AddTime(insert, "now", now);
            }, cancellationToken).ConfigureAwait(false);
        }

        return added > 0;
    }

    /// <summary>Runs a conversion's two inserts with the same parameters: its money first, then its outbox row.</summary>
    /// <returns>How many outbox rows were added.</returns>
    private static async Task<int> EnqueueAsync(LedgerUnit unit, Enqueue statement, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        await using (var money = unit.Command(statement.Money))
        {
            parameters(money);
            await money.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var amount = unit.Command(statement.Amount))
        {
            parameters(amount);
            await amount.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (statement.Remaining is { } remaining)
        {
            await using var update = unit.Command(remaining);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var insert = unit.Command(statement.Outbox);
        parameters(insert);
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

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
                    StoredTransactionId = LedgerStore.StringOrNull(reader, 21),
                    AmountTax = reader.IsDBNull(22) ? 0 : Convert.ToInt64(reader.GetValue(22), CultureInfo.InvariantCulture),
                    AmountShipping = reader.IsDBNull(23) ? 0 : Convert.ToInt64(reader.GetValue(23), CultureInfo.InvariantCulture),
                    SessionPaidAt = _dialect.ReadTime(reader, 24),
                    EnqueuedAt = _dialect.ReadTime(reader, 25)!.Value,
                    PurchaseState = reader.IsDBNull(26) ? null : ForwardingNames.State(reader.GetString(26)),
                    LastError = LedgerStore.StringOrNull(reader, 27),
                    RemainingValue = ForwardedMoney.RemainingValue(
                        remaining: Int64OrNull(reader, 28), whole: Int64OrNull(reader, 29), tax: Int64OrNull(reader, 30), shipping: Int64OrNull(reader, 31)),
                    Click = ClickLedger.ReadClickOrNull(_dialect, reader, 32),
                });
            }
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static long? Int64OrNull(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

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

    /// <summary>
    /// Makes the pending rows of <paramref name="destination"/> that wait out a backoff due now, once the destination
    /// answers again after an outage; how many.
    /// </summary>
    public async Task<int> MakeWaitingDueAsync(ForwardingDestination destination, CancellationToken cancellationToken)
    {
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int count;
        await using (var update = unit.Command(_sql.DueNow))
        {
            LedgerDialect.AddParameter(update, "destination", ForwardingNames.Of(destination), DbType.String);
            _dialect.AddTime(update, "now", _store.TimeProvider.GetUtcNow());
            count = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
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

    /// <summary>
    /// Deletes up to <paramref name="limit"/> sent rows sent before <paramref name="cutoff"/>; how many went. A deleted
    /// purchase or renewal leaves its receipt, in the same transaction: its refunds and renewals still go where it went,
    /// and it never enters the outbox again.
    /// </summary>
    public async Task<int> DeleteSentBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<long>();
        await using (var select = unit.Command(_sql.SelectSentBefore))
        {
            _dialect.AddTime(select, "cutoff", cutoff);
            LedgerDialect.AddParameter(select, "limit", limit, DbType.Int32);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        var deleted = 0;
        foreach (var chunk in ids.Chunk(DeleteChunk))
        {
            await ExecuteForIdsAsync(unit, _sql.KeepReceipts, chunk, cancellationToken).ConfigureAwait(false);
            deleted += await ExecuteForIdsAsync(unit, _sql.DeleteSent, chunk, cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    // The ids a statement of the delete takes at once, each a parameter of its own.
    private const int DeleteChunk = 500;

    private static async Task<int> ExecuteForIdsAsync(LedgerUnit unit, string sql, long[] ids, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", ids.Select((_, i) => "@id" + i.ToString(CultureInfo.InvariantCulture)));
        await using var command = unit.Command(string.Format(CultureInfo.InvariantCulture, sql, names));
        for (var i = 0; i < ids.Length; i++)
        {
            LedgerDialect.AddParameter(command, "id" + i.ToString(CultureInfo.InvariantCulture), ids[i], DbType.Int64);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// A conversion's inserts: its outbox row for one destination, and its money and its amount, once; for a refund or a
    /// reversed refund, then what remains of its transaction after it.
    /// </summary>
    private sealed record Enqueue(string Outbox, string Money, string Amount, string? Remaining);

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

            var sessionPayments = dialect.Table("payment_link_session_payments");
            var shipping = dialect.Table("payment_link_session_shipping");
            var money = dialect.Table("payment_link_forwarding_money");
            var amounts = dialect.Table("payment_link_forwarding_amounts");
            var receipts = dialect.Table("payment_link_forwarding_receipts");
            var invoices = dialect.Table("payment_link_invoices");
            var refunds = dialect.Table("payment_link_charge_refunds");
            var invoicePayments = dialect.Table("payment_link_invoice_payments");
            const string Renewal = "('subscription_cycle', 'subscription_update')";

            // What remains of a refund's transaction after it and every refund and reversal entered before it (those whose
            // remainder is set): the purchase's or renewal's amount less the refunds plus the reversals, between 0 and that
            // amount. Unknown (null) where the transaction's amount is (a conversion entered before schema version 15).
            const string Target = "payment_link_forwarding_amounts";
            var remaining =
                $"UPDATE {amounts} SET amount_remaining = (SELECT CASE WHEN b.amount - x.moved < 0 THEN 0 WHEN b.amount - x.moved > b.amount " +
                "THEN b.amount ELSE b.amount - x.moved END FROM " +
                $"(SELECT COALESCE(SUM(CASE WHEN r.kind = 'refund' THEN r.amount ELSE -r.amount END), 0) AS moved FROM {amounts} r " +
                $"WHERE r.session_id = {Target}.session_id AND r.transaction_id = {Target}.transaction_id AND r.kind IN ('refund', 'refund_reversed') " +
                $"AND (r.amount_remaining IS NOT NULL OR (r.kind = {Target}.kind AND r.refund_key = {Target}.refund_key))) x " +
                $"JOIN {amounts} b ON b.session_id = {Target}.session_id AND b.transaction_id = {Target}.transaction_id " +
                "AND b.kind IN ('purchase', 'renewal')) " +
                "WHERE amount_remaining IS NULL AND kind IN ('refund', 'refund_reversed')";

            // Each conversion enters from one selection: its row per destination, and once its money (transaction, tax and
            // shipping) and its amount, the same for every destination.
            Enqueue Both(string outboxSelect, string moneySelect, string amountSelect, string fromWhere, bool restates = false) => new(
                $"INSERT INTO {outbox} ({Columns}) SELECT {outboxSelect} {fromWhere} ON CONFLICT (session_id, destination, kind, refund_key) DO NOTHING",
                $"INSERT INTO {money} (session_id, kind, refund_key, transaction_id, amount_tax, amount_shipping) SELECT {moneySelect} {fromWhere} " +
                "ON CONFLICT (session_id, kind, refund_key) DO NOTHING",
                $"INSERT INTO {amounts} (session_id, kind, refund_key, transaction_id, amount) SELECT {amountSelect} {fromWhere} " +
                "ON CONFLICT (session_id, kind, refund_key) DO NOTHING",
                restates ? remaining : null);


            // A part (tax, shipping) of an amount taken from a whole: its share, rounded half away from zero.
            static string Share(string part, string amount, string whole) =>
                $"CASE WHEN {whole} > 0 THEN (2 * {amount} * COALESCE({part}, 0) + {whole}) / (2 * {whole}) ELSE 0 END";
            // Where a conversion went: its outbox row, or the receipt retention kept when it deleted the row once sent.
            string Forwarded(string sessionId, string kind) =>
                $"(EXISTS (SELECT 1 FROM {outbox} t WHERE t.session_id = {sessionId} AND t.destination = @destination " +
                $"AND t.state <> 'too_old' AND {kind}) OR EXISTS (SELECT 1 FROM {receipts} t WHERE t.session_id = {sessionId} " +
                $"AND t.destination = @destination AND {kind}))";

            // A purchase or renewal sent and deleted since enters no more: its receipt stands for its row's key.
            string Unsent(string sessionId, string kind, string refundKey) =>
                $"NOT EXISTS (SELECT 1 FROM {receipts} r WHERE r.session_id = {sessionId} AND r.destination = @destination " +
                $"AND r.kind = '{kind}' AND r.refund_key = {refundKey})";
            var sessionMoney =
                $"LEFT JOIN {sessionPayments} p ON p.session_id = s.session_id LEFT JOIN {shipping} sh ON sh.session_id = s.session_id ";

            // The session's own row says whether it is paid and live: the row's key makes the insert happen once.
            EnqueuePurchase = Both(
                $"s.session_id, @destination, 'purchase', '', s.amount_total, s.currency, s.paid_at, s.livemode, 'pending', 0, {dbNow}, @now, @now",
                "s.session_id, 'purchase', '', s.session_id, COALESCE(p.amount_tax, 0), COALESCE(sh.amount_shipping, 0)",
                "s.session_id, 'purchase', '', s.session_id, COALESCE(s.amount_total, 0)",
                $"FROM {sessions} s {sessionMoney}" +
                "WHERE s.session_id = @session_id AND s.paid_at IS NOT NULL AND (s.livemode OR @include_test) " +
                "AND (@all_sessions = 1 OR s.payment_link_id IS NOT NULL) AND " + Unsent("s.session_id", "purchase", "''"));

            // A refund follows its transaction: only where the session's purchase (or the renewal it refunds) went.
            const string Whole = "CASE WHEN i.invoice_id IS NULL THEN s.amount_total ELSE i.amount_paid END";
            EnqueueRefund = Both(
                $"s.session_id, @destination, 'refund', @refund_key, @amount, COALESCE(@currency, s.currency), @occurred_at, s.livemode, 'pending', 0, {dbNow}, @now, @now",
                "s.session_id, 'refund', @refund_key, COALESCE(i.invoice_id, s.session_id), " +
                $"{Share("CASE WHEN i.invoice_id IS NULL THEN p.amount_tax ELSE i.amount_tax END", "@amount", Whole)}, " +
                $"{Share("CASE WHEN i.invoice_id IS NULL THEN sh.amount_shipping ELSE 0 END", "@amount", Whole)}",
                "s.session_id, 'refund', @refund_key, COALESCE(i.invoice_id, s.session_id), @amount",
                $"FROM {sessions} s {sessionMoney}LEFT JOIN {invoices} i ON i.invoice_id = @invoice_id " +
                $"WHERE s.session_id = @session_id AND {Forwarded("s.session_id", "((i.invoice_id IS NULL AND t.kind = 'purchase') OR (t.kind = 'renewal' AND t.refund_key = i.invoice_id))")}",
                restates: true);

            // What was refunded of a purchase before it entered the outbox: its own payment's charges, or its first
            // invoice's, each at its refunded amount now, dated by the newest refund; keyed, as every refund is, by all
            // that is refunded of the session.
            var purchaseCharges =
                $"SELECT r.charge_id FROM {sessionPayments} p JOIN {refunds} r ON r.payment_intent = p.payment_intent WHERE p.session_id = @session_id " +
                $"UNION SELECT r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {refunds} r ON r.invoice_id = i.invoice_id WHERE p.session_id = @session_id AND (i.billing_reason IS NULL OR i.billing_reason NOT IN {Renewal}) " +
                $"UNION SELECT r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
                $"JOIN {invoicePayments} ip ON ip.invoice_id = i.invoice_id JOIN {refunds} r ON r.payment_intent = ip.payment_intent " +
                $"WHERE p.session_id = @session_id AND (i.billing_reason IS NULL OR i.billing_reason NOT IN {Renewal})";
            var refundedBefore =
                $"SELECT s.session_id, CAST((SELECT SUM({RevenueLedger.ChargeRefundedSql(dialect, "c.charge_id", null)}) FROM ({purchaseCharges}) c) AS BIGINT) AS refunded, " +
                $"CAST(({RevenueLedger.SessionRefundedSql(dialect, "s.session_id")}) AS BIGINT) AS total, " +
                $"(SELECT MAX(r.observed_at) FROM {refunds} r WHERE r.charge_id IN ({purchaseCharges})) AS observed_at " +
                $"FROM {sessions} s WHERE s.session_id = @session_id";
            EnqueueRefundedBeforePurchase = Both(
                $"s.session_id, @destination, 'refund', CAST(x.total AS TEXT), x.refunded, s.currency, x.observed_at, s.livemode, 'pending', 0, {dbNow}, @now, @now",
                $"s.session_id, 'refund', CAST(x.total AS TEXT), s.session_id, {Share("p.amount_tax", "x.refunded", "s.amount_total")}, " +
                $"{Share("sh.amount_shipping", "x.refunded", "s.amount_total")}",
                "s.session_id, 'refund', CAST(x.total AS TEXT), s.session_id, x.refunded",
                $"FROM ({refundedBefore}) x JOIN {sessions} s ON s.session_id = x.session_id {sessionMoney}" +
                $"WHERE x.refunded > 0 AND {Forwarded("s.session_id", "t.kind = 'purchase'")}",
                restates: true);

            // A renewal: an invoice of a subscription whose first purchase went to the destination, with money paid.
            Enqueue RenewalsWhere(string filter) => Both(
                $"p.session_id, @destination, 'renewal', i.invoice_id, i.amount_paid, i.currency, i.paid_at, i.livemode, 'pending', 0, {dbNow}, @now, @now",
                "p.session_id, 'renewal', i.invoice_id, i.invoice_id, i.amount_tax, 0",
                "p.session_id, 'renewal', i.invoice_id, i.invoice_id, i.amount_paid",
                $"FROM {invoices} i JOIN {sessionPayments} p ON p.subscription_id = i.subscription_id " +
                $"WHERE {filter} AND i.billing_reason IN {Renewal} AND i.amount_paid > 0 AND {Forwarded("p.session_id", "t.kind = 'purchase'")} " +
                $"AND {Unsent("p.session_id", "renewal", "i.invoice_id")}");
            EnqueueRenewal = RenewalsWhere("i.invoice_id = @invoice_id");
            EnqueueSessionRenewals = RenewalsWhere("p.session_id = @session_id");

            // A failed refund's reversal goes to the webhook where a refund of the charge's session went, under that
            // refund's transaction, with the same share of tax and shipping.
            var sessionsOfCharge =
                $"SELECT p.session_id FROM {sessionPayments} p WHERE p.payment_intent = " +
                $"COALESCE(@payment_intent, (SELECT MAX(r.payment_intent) FROM {refunds} r WHERE r.charge_id = @charge_id)) " +
                $"UNION SELECT p.session_id FROM {refunds} r JOIN {invoices} i ON i.invoice_id = " +
                $"COALESCE(r.invoice_id, (SELECT ip.invoice_id FROM {invoicePayments} ip WHERE ip.payment_intent = r.payment_intent)) " +
                $"JOIN {sessionPayments} p ON p.subscription_id = i.subscription_id WHERE r.charge_id = @charge_id";
            EnqueueRefundReversed = Both(
                $"f.session_id, f.destination, 'refund_reversed', @refund_id, @amount, f.currency, @occurred_at, f.livemode, 'pending', 0, {dbNow}, @now, @now",
                $"f.session_id, 'refund_reversed', @refund_id, COALESCE(m.transaction_id, f.session_id), {Share("m.amount_tax", "@amount", "f.amount")}, " +
                $"{Share("m.amount_shipping", "@amount", "f.amount")}",
                "f.session_id, 'refund_reversed', @refund_id, COALESCE(m.transaction_id, f.session_id), @amount",
                $"FROM {outbox} f LEFT JOIN {money} m ON m.session_id = f.session_id AND m.kind = f.kind AND m.refund_key = f.refund_key " +
                $"WHERE f.id = (SELECT MAX(t.id) FROM {outbox} t WHERE t.destination = @destination AND t.kind = 'refund' " +
                $"AND t.state <> 'too_old' AND t.session_id IN ({sessionsOfCharge}))",
                restates: true);

            // A refund's transaction: its session's id for the purchase, a renewal's invoice id for a renewal.
            var claimedRefundTransaction =
                $"COALESCE((SELECT r.transaction_id FROM {money} r WHERE r.session_id = f.session_id AND r.kind = f.kind " +
                "AND r.refund_key = f.refund_key), f.session_id)";

            // The outbox row p of the conversion that the refund f takes back, at the same destination.
            static string RefundedConversion(string transaction) =>
                "p.session_id = f.session_id AND p.destination = f.destination AND " +
                $"((p.kind = 'purchase' AND p.refund_key = '' AND {transaction} = f.session_id) OR (p.kind = 'renewal' AND p.refund_key = {transaction}))";

            // The try is counted when it starts, so that a process that dies mid-request uses one up.
            Claim =
                $"UPDATE {outbox} SET lease_owner = @owner, lease_until = {dialect.NowPlus("@lease_ms")}, attempts = attempts + 1 " +
                $"WHERE id IN (SELECT f.id FROM {outbox} f WHERE f.destination = @destination AND f.state = 'pending' AND f.due_at <= {dbNow} " +
                $"AND (f.lease_until IS NULL OR f.lease_until <= {dbNow}) " +
                // A refund waits while the conversion it takes back (its session's purchase, or the renewal whose invoice
                // it refunds) is pending at the same destination (due, leased or in backoff), so that it never arrives
                // before that conversion was accepted there. Through the rows' unique keys.
                $"AND (f.kind <> 'refund' OR NOT EXISTS (SELECT 1 FROM {outbox} p WHERE {RefundedConversion(claimedRefundTransaction)} " +
                "AND p.state = 'pending')) " +
                // A refund or a reversed refund also waits for the session's refunds and reversals entered before it at the
                // same destination: each restates what remains, so they arrive in the order they happened.
                $"AND (f.kind NOT IN ('refund', 'refund_reversed') OR NOT EXISTS (SELECT 1 FROM {outbox} e WHERE e.session_id = f.session_id " +
                "AND e.destination = f.destination AND e.kind IN ('refund', 'refund_reversed') AND e.id < f.id AND e.state = 'pending')) " +
                $"ORDER BY f.due_at, f.id LIMIT @limit {dialect.ClaimLock})";
            ReadClaimed =
                "SELECT f.id, f.session_id, f.kind, f.refund_key, f.amount, f.currency, f.occurred_at, f.livemode, f.attempts, " +
                "s.payment_link_id, s.client_reference_id, s.customer_email, d.ga_cookie, d.fbp_cookie, d.fbc_cookie, d.user_agent, " +
                $"d.page_url, d.client_ip, d.consent, d.session_id, {dbNow}, m.transaction_id, m.amount_tax, m.amount_shipping, s.paid_at, " +
                $"f.created_at, (SELECT p.state FROM {outbox} p WHERE {RefundedConversion("COALESCE(m.transaction_id, f.session_id)")}), " +
                $"f.last_error, a.amount_remaining, ba.amount, bm.amount_tax, bm.amount_shipping, {ClickLedger.ColumnsOf("c")} " +
                $"FROM {outbox} f LEFT JOIN {sessions} s ON s.session_id = f.session_id " +
                $"LEFT JOIN {money} m ON m.session_id = f.session_id AND m.kind = f.kind AND m.refund_key = f.refund_key " +
                // A refund's remainder, and its transaction's amount, tax and shipping: what its value after refunds is made of.
                $"LEFT JOIN {amounts} a ON a.session_id = f.session_id AND a.kind = f.kind AND a.refund_key = f.refund_key " +
                $"LEFT JOIN {money} bm ON bm.session_id = f.session_id AND bm.kind IN ('purchase', 'renewal') AND bm.transaction_id = m.transaction_id " +
                $"AND f.kind IN ('refund', 'refund_reversed') LEFT JOIN {amounts} ba ON ba.session_id = bm.session_id AND ba.kind = bm.kind AND ba.refund_key = bm.refund_key " +
                $"LEFT JOIN {details} d ON d.session_id = f.session_id " +
                // The click the session came from, through the click id at the end of its client_reference_id.
                $"{ClickLedger.JoinClickOfSession(dialect, "c", "s.client_reference_id")} " +
                "WHERE f.lease_owner = @owner AND f.destination = @destination AND f.state = 'pending' ORDER BY f.id";
            MarkSent =
                $"UPDATE {outbox} SET state = 'sent', sent_at = {dbNow}, due_at = NULL, lease_owner = NULL, lease_until = NULL, " +
                "last_error = NULL, updated_at = @now WHERE id = @id AND state = 'pending'";
            Retry =
                $"UPDATE {outbox} SET due_at = {dialect.NowPlus("@delay_ms")}, last_error = @error, lease_owner = NULL, " +
                "lease_until = NULL, updated_at = @now WHERE id = @id AND lease_owner = @owner AND state = 'pending'";
            // Through the pending rows' (destination, due_at) index: the rows in backoff, not the leased ones (due already).
            DueNow =
                $"UPDATE {outbox} SET due_at = {dbNow}, updated_at = @now WHERE destination = @destination AND state = 'pending' " +
                $"AND due_at > {dbNow}";
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

            // Through the sent rows' sent_at index (schema version 11), a batch at a time: its ids first, so that the
            // receipts and the delete cover the same rows.
            SelectSentBefore =
                $"SELECT id FROM {outbox} WHERE state = 'sent' AND sent_at < @cutoff ORDER BY sent_at LIMIT @limit {dialect.ClaimLock}";
            KeepReceipts =
                $"INSERT INTO {receipts} (session_id, destination, kind, refund_key) SELECT session_id, destination, kind, refund_key " +
                $"FROM {outbox} WHERE id IN ({{0}}) AND state = 'sent' AND kind IN ('purchase', 'renewal') " +
                "ON CONFLICT (session_id, destination, kind, refund_key) DO NOTHING";
            DeleteSent = $"DELETE FROM {outbox} WHERE id IN ({{0}}) AND state = 'sent'";

            // Through the outbox's (state, id) index: the dead and failed rows only, however many were sent.
            CountStopped = $"SELECT state, COUNT(*) FROM {outbox} WHERE state IN ('dead', 'failed') GROUP BY state";
        }

        public Enqueue EnqueuePurchase { get; }

        public Enqueue EnqueueRefund { get; }

        public Enqueue EnqueueRefundedBeforePurchase { get; }

        public Enqueue EnqueueRenewal { get; }

        public Enqueue EnqueueSessionRenewals { get; }

        public Enqueue EnqueueRefundReversed { get; }

        public string Claim { get; }

        public string ReadClaimed { get; }

        public string MarkSent { get; }

        public string Retry { get; }

        public string MarkFinal { get; }

        public string DueNow { get; }

        public string Release { get; }

        public string List { get; }

        public string RetrySession { get; }

        public string RetryAllStopped { get; }

        public string CountPending { get; }

        public string OldestPending { get; }

        public string SelectSentBefore { get; }

        /// <summary>Keeps the receipts of the sent purchases and renewals among the ids put in for <c>{0}</c>.</summary>
        public string KeepReceipts { get; }

        /// <summary>Deletes the sent rows among the ids put in for <c>{0}</c>.</summary>
        public string DeleteSent { get; }

        public string CountStopped { get; }
    }
}
