using System.Data;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking;

/// <summary>
/// The events and the sessions they merge into, and the fulfilment's claims on them. Both engines speak
/// <c>INSERT ... ON CONFLICT</c>, so an event is recorded and its session merged with two statements in one unit of work.
/// </summary>
internal sealed class SessionLedger : IDisposable
{
    /// <summary>The sessions table's columns that <see cref="ReadSession"/> reads, in its order.</summary>
    internal const string SessionColumns =
        "session_id, payment_link_id, client_reference_id, customer_email, amount_total, currency, mode, status, " +
        "payment_status, livemode, metadata, completed_at, paid_at, failed_at, expired_at, fulfillment_attempts, " +
        "fulfilled_at, parked_at, last_error";

    private readonly LedgerStore _store;
    private readonly LedgerDialect _dialect;
    private readonly string _recordEvent;
    private readonly string _mergeSession;
    private readonly string _findSession;
    private readonly string _claim;
    private readonly string _complete;
    private readonly string _fail;
    private readonly string _release;

    // Released when an event here makes a session fulfillable, so that this process's worker takes it at once.
    private readonly SemaphoreSlim _sessionDue = new(0, 1);

    public SessionLedger(LedgerStore store)
    {
        _store = store;
        _dialect = store.Dialect;
        var dialect = store.Dialect;
        var erasures = dialect.Table("payment_link_erasures");
        var erased = $"EXISTS (SELECT 1 FROM {erasures} e WHERE e.session_id = @session_id)";
        var sessions = dialect.SessionsTable;
        _recordEvent =
            $"INSERT INTO {dialect.EventsTable} (event_id, event_type, created, session_id, livemode, recorded_at) " +
            "VALUES (@event_id, @event_type, @created, @session_id, @livemode, @now) ON CONFLICT (event_id) DO NOTHING";

        // Fields are filled in once and never overwritten; a status moves only to a higher rank; a time is set once.
        // A session becomes due for fulfilment when it first becomes paid, if it is one the ledger fulfils (made by a
        // payment link, unless every session is).
        _mergeSession =
            $"INSERT INTO {sessions} AS s (session_id, payment_link_id, client_reference_id, customer_email, amount_total, " +
            "currency, mode, status, payment_status, livemode, metadata, completed_at, paid_at, failed_at, expired_at, " +
            "fulfill_due_at, fulfillment_attempts, first_recorded_at, updated_at) " +
            // A session erased before this event keeps no email and no metadata, whatever the event carries.
            $"VALUES (@session_id, @payment_link_id, @client_reference_id, CASE WHEN {erased} THEN NULL ELSE @customer_email END, " +
            "@amount_total, @currency, @mode, " +
            $"@status, @payment_status, @livemode, CASE WHEN {erased} THEN NULL ELSE {dialect.JsonValue("@metadata")} END, @completed_at, @paid_at, @failed_at, @expired_at, " +
            $"CASE WHEN @paid_at IS NOT NULL AND (@all_sessions = 1 OR @payment_link_id IS NOT NULL) THEN {dialect.Now} END, 0, @now, @now) " +
            "ON CONFLICT (session_id) DO UPDATE SET " +
            "payment_link_id = COALESCE(s.payment_link_id, excluded.payment_link_id), " +
            "client_reference_id = COALESCE(s.client_reference_id, excluded.client_reference_id), " +
            "customer_email = COALESCE(s.customer_email, excluded.customer_email), " +
            "amount_total = COALESCE(s.amount_total, excluded.amount_total), " +
            "currency = COALESCE(s.currency, excluded.currency), " +
            "mode = COALESCE(s.mode, excluded.mode), " +
            $"status = CASE WHEN {StatusRank("excluded.status")} > {StatusRank("s.status")} THEN excluded.status ELSE s.status END, " +
            $"payment_status = CASE WHEN {PaymentStatusRank("excluded.payment_status")} > {PaymentStatusRank("s.payment_status")} " +
            "THEN excluded.payment_status ELSE s.payment_status END, " +
            "livemode = s.livemode, " +
            "metadata = COALESCE(s.metadata, excluded.metadata), " +
            "completed_at = COALESCE(s.completed_at, excluded.completed_at), " +
            "paid_at = COALESCE(s.paid_at, excluded.paid_at), " +
            "failed_at = COALESCE(s.failed_at, excluded.failed_at), " +
            "expired_at = COALESCE(s.expired_at, excluded.expired_at), " +
            "fulfill_due_at = CASE WHEN s.paid_at IS NULL AND excluded.paid_at IS NOT NULL AND s.fulfilled_at IS NULL " +
            "AND s.parked_at IS NULL AND (@all_sessions = 1 OR COALESCE(s.payment_link_id, excluded.payment_link_id) IS NOT NULL) " +
            $"THEN {dialect.Now} ELSE s.fulfill_due_at END, " +
            "updated_at = @now";
        _findSession = $"SELECT {SessionColumns} FROM {sessions} WHERE session_id = @session_id";

        // A due session whose lease is free or expired; the try is counted when it starts, so that a process that
        // dies mid-call uses one up. Due times and leases are on the database's clock: instances whose own clocks
        // differ agree on them.
        _claim =
            $"UPDATE {sessions} SET lease_owner = @owner, lease_until = {dialect.NowPlus("@lease_ms")}, " +
            "fulfillment_attempts = fulfillment_attempts + 1 " +
            $"WHERE session_id = (SELECT session_id FROM {sessions} WHERE fulfill_due_at <= {dialect.Now} " +
            $"AND (lease_until IS NULL OR lease_until <= {dialect.Now}) " +
            $"ORDER BY fulfill_due_at LIMIT 1 {dialect.ClaimLock}) RETURNING {SessionColumns}";
        _complete =
            $"UPDATE {sessions} SET fulfilled_at = @now, fulfill_due_at = NULL, lease_owner = NULL, lease_until = NULL, " +
            $"last_error = NULL WHERE session_id = @session_id AND lease_owner = @owner AND lease_until > {dialect.Now}";
        _fail =
            $"UPDATE {sessions} SET fulfill_due_at = CASE WHEN @retry_ms IS NULL THEN NULL ELSE {dialect.NowPlus("@retry_ms")} END, " +
            "parked_at = @parked_at, last_error = @error, " +
            "lease_owner = NULL, lease_until = NULL WHERE session_id = @session_id AND lease_owner = @owner";
        _release =
            $"UPDATE {sessions} SET lease_owner = NULL, lease_until = NULL, fulfillment_attempts = fulfillment_attempts - 1 " +
            "WHERE session_id = @session_id AND lease_owner = @owner";
    }

    /// <summary>Keeps the event's row in <paramref name="unit"/>, once per event id.</summary>
    /// <returns>Whether it was new: <see langword="false"/> for an event the ledger holds already.</returns>
    public async Task<bool> RecordEventAsync(LedgerUnit unit, PaymentLinkEvent paymentLinkEvent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var insertEvent = unit.Command(_recordEvent);
        LedgerDialect.AddParameter(insertEvent, "event_id", paymentLinkEvent.EventId, DbType.String);
        LedgerDialect.AddParameter(insertEvent, "event_type", paymentLinkEvent.EventType, DbType.String);
        _dialect.AddTime(insertEvent, "created", paymentLinkEvent.Created);
        LedgerDialect.AddParameter(insertEvent, "session_id", paymentLinkEvent.Checkout?.SessionId, DbType.String);
        LedgerDialect.AddParameter(insertEvent, "livemode", paymentLinkEvent.Livemode, DbType.Boolean);
        _dialect.AddTime(insertEvent, "now", now);
        return await insertEvent.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 0;
    }

    /// <summary>Merges the event's checkout into its session's row, in <paramref name="unit"/>.</summary>
    public async Task MergeSessionAsync(
        LedgerUnit unit, PaymentLinkEvent paymentLinkEvent, PaymentLinkCheckout checkout, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var merge = unit.Command(_mergeSession);
        AddSessionParameters(merge, paymentLinkEvent, checkout, now);
        await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<PaymentLinkSession?> FindSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var find = unit.Command(_findSession);
        LedgerDialect.AddParameter(find, "session_id", sessionId, DbType.String);
        return await ReadSessionAsync(find, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the longest-due session whose lease is free, for <paramref name="owner"/> for <paramref name="lease"/> on the database's clock.</summary>
    public async Task<PaymentLinkSession?> ClaimAsync(string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        PaymentLinkSession? session;
        await using (var claim = unit.Command(_claim))
        {
            LedgerDialect.AddParameter(claim, "owner", owner, DbType.String);
            LedgerDialect.AddMilliseconds(claim, "lease_ms", lease);
            session = await ReadSessionAsync(claim, cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return session;
    }

    /// <summary>Marks a session fulfilled, only while <paramref name="owner"/> still holds its lease.</summary>
    public Task<bool> CompleteAsync(string sessionId, string owner, CancellationToken cancellationToken) =>
        UpdateAsync(_complete, sessionId, owner, command => _dialect.AddTime(command, "now", _store.TimeProvider.GetUtcNow()), cancellationToken);

    /// <summary>Records a failed try and frees the lease: due again <paramref name="retryAfter"/> from now on the database's clock, or parked.</summary>
    public Task<bool> FailAsync(string sessionId, string owner, TimeSpan? retryAfter, DateTimeOffset? parkedAt, string error, CancellationToken cancellationToken) =>
        UpdateAsync(
            _fail,
            sessionId,
            owner,
            command =>
            {
                LedgerDialect.AddMilliseconds(command, "retry_ms", retryAfter);
                _dialect.AddTime(command, "parked_at", parkedAt);
                LedgerDialect.AddParameter(command, "error", error, DbType.String);
            },
            cancellationToken);

    /// <summary>Gives a lease back untried (the host is stopping), so that the try is not counted.</summary>
    public Task<bool> ReleaseAsync(string sessionId, string owner, CancellationToken cancellationToken) =>
        UpdateAsync(_release, sessionId, owner, _ => { }, cancellationToken);

    /// <summary>Waits until an event recorded here makes a session due, or <paramref name="timeout"/> passes.</summary>
    public Task WaitForDueSessionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _sessionDue.WaitAsync(timeout, cancellationToken);

    public void SignalSessionDue()
    {
        try
        {
            _sessionDue.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public void Dispose() => _sessionDue.Dispose();

    private async Task<bool> UpdateAsync(string sql, string sessionId, string owner, Action<DbCommand> addParameters, CancellationToken cancellationToken)
    {
        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int changed;
        await using (var update = unit.Command(sql))
        {
            LedgerDialect.AddParameter(update, "session_id", sessionId, DbType.String);
            LedgerDialect.AddParameter(update, "owner", owner, DbType.String);
            addParameters(update);
            changed = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    private void AddSessionParameters(DbCommand command, PaymentLinkEvent paymentLinkEvent, PaymentLinkCheckout checkout, DateTimeOffset now)
    {
        var created = paymentLinkEvent.Created;
        var kind = paymentLinkEvent.Kind;
        LedgerDialect.AddParameter(command, "session_id", checkout.SessionId, DbType.String);
        LedgerDialect.AddParameter(command, "payment_link_id", checkout.PaymentLinkId, DbType.String);
        LedgerDialect.AddParameter(command, "client_reference_id", checkout.ClientReferenceId, DbType.String);
        LedgerDialect.AddParameter(command, "customer_email", checkout.CustomerEmail, DbType.String);
        LedgerDialect.AddParameter(command, "amount_total", checkout.AmountTotal, DbType.Int64);
        LedgerDialect.AddParameter(command, "currency", checkout.Currency, DbType.String);
        LedgerDialect.AddParameter(command, "mode", checkout.Mode, DbType.String);
        LedgerDialect.AddParameter(command, "status", checkout.Status, DbType.String);
        LedgerDialect.AddParameter(command, "payment_status", PaymentStatusName(checkout.PaymentStatus), DbType.String);
        LedgerDialect.AddParameter(command, "livemode", paymentLinkEvent.Livemode, DbType.Boolean);
        _store.AddAllSessions(command);
        LedgerDialect.AddParameter(
            command,
            "metadata",
            checkout.Metadata.Count == 0 ? null : JsonSerializer.Serialize(checkout.Metadata, LedgerJson.Default.IReadOnlyDictionaryStringString),
            DbType.String);
        _dialect.AddTime(command, "completed_at", kind == PaymentLinkEventKind.CheckoutCompleted ? created : null);
        _dialect.AddTime(command, "paid_at", paymentLinkEvent.ShouldFulfill ? created : null);
        _dialect.AddTime(command, "failed_at", kind == PaymentLinkEventKind.AsyncPaymentFailed ? created : null);
        _dialect.AddTime(command, "expired_at", kind == PaymentLinkEventKind.CheckoutExpired ? created : null);
        _dialect.AddTime(command, "now", now);
    }

    private async Task<PaymentLinkSession?> ReadSessionAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSession(reader) : null;
    }

    /// <summary>A session from a row of <see cref="SessionColumns"/>.</summary>
    public PaymentLinkSession ReadSession(DbDataReader reader) =>
        new()
        {
            SessionId = reader.GetString(0),
            PaymentLinkId = LedgerStore.StringOrNull(reader, 1),
            ClientReferenceId = LedgerStore.StringOrNull(reader, 2),
            CustomerEmail = LedgerStore.StringOrNull(reader, 3),
            AmountTotal = reader.IsDBNull(4) ? null : reader.GetInt64(4),
            Currency = LedgerStore.StringOrNull(reader, 5),
            Mode = LedgerStore.StringOrNull(reader, 6),
            Status = LedgerStore.StringOrNull(reader, 7),
            PaymentStatus = PaymentStatusFromName(LedgerStore.StringOrNull(reader, 8)),
            Livemode = reader.GetBoolean(9),
            Metadata = LedgerStore.StringOrNull(reader, 10) is { } metadata
                ? JsonSerializer.Deserialize(metadata, LedgerJson.Default.IReadOnlyDictionaryStringString) ?? PaymentLinkCheckout.NoMetadata
                : PaymentLinkCheckout.NoMetadata,
            CompletedAt = _dialect.ReadTime(reader, 11),
            PaidAt = _dialect.ReadTime(reader, 12),
            FailedAt = _dialect.ReadTime(reader, 13),
            ExpiredAt = _dialect.ReadTime(reader, 14),
            FulfillmentAttempts = reader.GetInt32(15),
            FulfilledAt = _dialect.ReadTime(reader, 16),
            ParkedAt = _dialect.ReadTime(reader, 17),
            LastFulfillmentError = LedgerStore.StringOrNull(reader, 18),
        };

    // Distinct ranks, so that the merge ends in one state whatever the order: complete outranks expired (Stripe never
    // sends both for one session), and paid outranks no_payment_required.
    private static string StatusRank(string column) =>
        $"(CASE {column} WHEN 'complete' THEN 3 WHEN 'expired' THEN 2 WHEN 'open' THEN 1 ELSE 0 END)";

    private static string PaymentStatusRank(string column) =>
        $"(CASE {column} WHEN 'paid' THEN 3 WHEN 'no_payment_required' THEN 2 WHEN 'unpaid' THEN 1 ELSE 0 END)";

    private static string? PaymentStatusName(CheckoutPaymentStatus status) => status switch
    {
        CheckoutPaymentStatus.Paid => "paid",
        CheckoutPaymentStatus.Unpaid => "unpaid",
        CheckoutPaymentStatus.NoPaymentRequired => "no_payment_required",
        _ => null,
    };

    private static CheckoutPaymentStatus PaymentStatusFromName(string? name) => name switch
    {
        "paid" => CheckoutPaymentStatus.Paid,
        "unpaid" => CheckoutPaymentStatus.Unpaid,
        "no_payment_required" => CheckoutPaymentStatus.NoPaymentRequired,
        _ => CheckoutPaymentStatus.Unknown,
    };
}

[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class LedgerJson : JsonSerializerContext;
