using System.Data;
using System.Data.Common;

namespace PaymentLinks.Tracking;

/// <summary>
/// The operator's side of the ledger: sessions by state, retries of parked sessions, erasure of personal data, the
/// counts the health check reports, and the schema's state.
/// </summary>
internal sealed class LedgerAdmin(LedgerStore store, SessionLedger sessions, AttributionLedger attribution, ForwardingOutbox outbox, CatchUpBookkeeping catchUp, ClickLedger clicks)
{
    /// <summary>What an erased session's last fulfilment error becomes: the error may quote what the handler was given.</summary>
    internal const string ErasedError = "(erased with the customer's personal data)";

    /// <summary>What a refused catch-up event's body becomes when it names an erased customer or session.</summary>
    internal const string ErasedPayload = "{\"erased\": \"the customer's personal data was erased\"}";

    private readonly LedgerDialect _dialect = store.Dialect;

    public async Task<IReadOnlyList<PaymentLinkSession>> ListSessionsAsync(
        PaymentLinkSessionState state, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var (where, order) = state switch
        {
            PaymentLinkSessionState.Pending => ("fulfill_due_at IS NOT NULL", "fulfill_due_at, session_id"),
            PaymentLinkSessionState.Parked => ("parked_at IS NOT NULL", "parked_at DESC, session_id"),
            PaymentLinkSessionState.Fulfilled => ("fulfilled_at IS NOT NULL", "fulfilled_at DESC, session_id"),
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "The state is Pending, Parked or Fulfilled."),
        };

        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = unit.Command(
            $"SELECT {SessionLedger.SessionColumns} FROM {_dialect.SessionsTable} WHERE {where} ORDER BY {order} LIMIT @limit");
        LedgerDialect.AddParameter(list, "limit", limit, DbType.Int32);
        var found = new List<PaymentLinkSession>();
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(sessions.ReadSession(reader));
        }

        return found;
    }

    public async Task<bool> RetryAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return await RetryParkedAsync("AND session_id = @session_id", sessionId, cancellationToken).ConfigureAwait(false) == 1;
    }

    public Task<int> RetryAllParkedAsync(CancellationToken cancellationToken) =>
        RetryParkedAsync(string.Empty, null, cancellationToken);

    public async Task<PaymentLinkErasure> EraseByEmailAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return await EraseAsync("LOWER(customer_email) = LOWER(@email)", command => LedgerDialect.AddParameter(command, "email", email.Trim(), DbType.String), null, cancellationToken, email)
            .ConfigureAwait(false);
    }

    public async Task<PaymentLinkErasure> EraseSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        if (!PaymentLinkRules.IsCheckoutSessionId(sessionId))
        {
            throw new ArgumentException("The session id is not a Checkout Session id (cs_...); nothing was erased.", nameof(sessionId));
        }

        return await EraseAsync("session_id = @session_id", command => LedgerDialect.AddParameter(command, "session_id", sessionId, DbType.String), sessionId, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Erases the personal data of the sessions first recorded before <paramref name="cutoff"/> and not erased yet.</summary>
    public Task<PaymentLinkErasure> EraseRecordedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        EraseAsync(
            $"first_recorded_at < @cutoff AND session_id NOT IN (SELECT session_id FROM {_dialect.Table("payment_link_erasures")})",
            command => _dialect.AddTime(command, "cutoff", cutoff),
            null,
            cancellationToken);

    public async Task<PaymentLinkLedgerStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var counts = unit.Command(
            "SELECT SUM(CASE WHEN fulfill_due_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN parked_at IS NOT NULL THEN 1 ELSE 0 END) " +
            $"FROM {_dialect.SessionsTable} WHERE fulfill_due_at IS NOT NULL OR parked_at IS NOT NULL");
        long pending = 0, parked = 0;
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (pending, parked) = (LedgerStore.ToInt64(reader.GetValue(0)), LedgerStore.ToInt64(reader.GetValue(1)));
            }
        }

        var caughtUp = await catchUp.ReadCatchUpWatermarkAsync(unit, cancellationToken).ConfigureAwait(false);
        var refusedEvents = await catchUp.CountRefusedCatchUpEventsAsync(unit, cancellationToken).ConfigureAwait(false);
        var (deadConversions, failedConversions) = await outbox.CountStoppedConversionsAsync(unit, cancellationToken).ConfigureAwait(false);
        var unclaimedVisits = await attribution.CountUnclaimedVisitsAsync(unit, cancellationToken).ConfigureAwait(false);
        var oldestPending = await outbox.ReadOldestPendingAgeAsync(unit, cancellationToken).ConfigureAwait(false);
        return new PaymentLinkLedgerStatus
        {
            PendingSessions = pending,
            ParkedSessions = parked,
            CatchUpWatermark = caughtUp,
            RefusedCatchUpEvents = refusedEvents,
            DeadConversions = deadConversions,
            FailedConversions = failedConversions,
            UnclaimedVisits = unclaimedVisits,
            OldestPendingConversionAge = oldestPending,
        };
    }

    /// <summary>How many sessions wait for fulfilment, for the pending gauge.</summary>
    public async Task<long> CountPendingAsync(CancellationToken cancellationToken)
    {
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = unit.Command($"SELECT COUNT(*) FROM {_dialect.SessionsTable} WHERE fulfill_due_at IS NOT NULL");
        return LedgerStore.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    public Task<PaymentLinkLedgerSchema> GetSchemaAsync(CancellationToken cancellationToken) => store.ReadSchemaAsync(cancellationToken);

    public Task<PaymentLinkLedgerSchema> ApplyMigrationsAsync(CancellationToken cancellationToken) => store.ApplyMigrationsAsync(cancellationToken);

    private async Task<int> RetryParkedAsync(string condition, string? sessionId, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int changed;

        // The last error stays until a try succeeds, so that the list still says why the session was parked.
        await using (var retry = unit.Command(
            $"UPDATE {_dialect.SessionsTable} SET parked_at = NULL, fulfill_due_at = {_dialect.Now}, fulfillment_attempts = 0, " +
            $"lease_owner = NULL, lease_until = NULL, updated_at = @now WHERE parked_at IS NOT NULL {condition}"))
        {
            _dialect.AddTime(retry, "now", store.TimeProvider.GetUtcNow());
            if (sessionId is not null)
            {
                LedgerDialect.AddParameter(retry, "session_id", sessionId, DbType.String);
            }

            changed = await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            sessions.SignalSessionDue();
        }

        return changed;
    }

    /// <summary>
    /// In one unit of work: the sessions matching <paramref name="where"/> lose their personal data (their row, what the
    /// thank-you page saw, the clicks of the visitor they came from, the refused events that name them) and are remembered as erased.
    /// <paramref name="alwaysRemember"/> is remembered even when the ledger does not have it yet.
    /// </summary>
    private async Task<PaymentLinkErasure> EraseAsync(
        string where, Action<DbCommand> addParameters, string? alwaysRemember, CancellationToken cancellationToken, string? email = null)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var now = store.TimeProvider.GetUtcNow();
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _dialect.PrepareErasureAsync(unit.Connection, cancellationToken).ConfigureAwait(false);
        var sessionIds = new List<string>();
        await unit.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (var find = unit.Command($"SELECT session_id FROM {_dialect.SessionsTable} WHERE {where}"))
        {
            addParameters(find);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sessionIds.Add(reader.GetString(0));
            }
        }

        var remember = alwaysRemember is null || sessionIds.Contains(alwaysRemember) ? sessionIds : [.. sessionIds, alwaysRemember];
        foreach (var sessionId in remember)
        {
            await using (var erase = unit.Command(
                $"UPDATE {_dialect.SessionsTable} SET customer_email = NULL, metadata = NULL, " +
                "last_error = CASE WHEN last_error IS NULL THEN NULL ELSE @erased_error END, updated_at = @now WHERE session_id = @session_id"))
            {
                LedgerDialect.AddParameter(erase, "session_id", sessionId, DbType.String);
                LedgerDialect.AddParameter(erase, "erased_error", ErasedError, DbType.String);
                _dialect.AddTime(erase, "now", now);
                await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The clicks first: the visit's visitor names whose clicks go.
            await clicks.EraseVisitorOfSessionAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);
            await attribution.EraseVisitDetailsAsync(unit, sessionId, cancellationToken).ConfigureAwait(false);

            await using var mark = unit.Command(
                $"INSERT INTO {_dialect.Table("payment_link_erasures")} (session_id, erased_at) VALUES (@session_id, @now) " +
                "ON CONFLICT (session_id) DO NOTHING");
            LedgerDialect.AddParameter(mark, "session_id", sessionId, DbType.String);
            _dialect.AddTime(mark, "now", now);
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The raw bodies of refused catch-up events hold the same data: each that names the email or an erased
        // session is replaced by a marker.
        var needles = email is null ? remember : [.. remember, email.Trim()];
        foreach (var needle in needles)
        {
            await catchUp.EraseRefusedPayloadsAsync(unit, needle, ErasedPayload, cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        await _dialect.AfterErasureAsync(unit.Connection, cancellationToken).ConfigureAwait(false);
        return new PaymentLinkErasure { SessionIds = sessionIds };
    }
}
