using System.Data;
using System.Data.Common;
using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// The operator's side of the ledger: sessions by state, retries of parked sessions, erasure of personal data, the
/// counts the health check reports, and the schema's state.
/// </summary>
internal sealed partial class DbPaymentLinkLedger : IPaymentLinkAdmin
{
    /// <summary>What an erased session's last fulfilment error becomes: the error may quote what the handler was given.</summary>
    internal const string ErasedError = "(erased with the customer's personal data)";

    /// <summary>What a refused catch-up event's body becomes when it names an erased customer or session.</summary>
    internal const string ErasedPayload = "{\"erased\": \"the customer's personal data was erased\"}";

    public async Task<IReadOnlyList<PaymentLinkSession>> ListSessionsAsync(
        PaymentLinkSessionState state, int limit = 100, CancellationToken cancellationToken = default)
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

        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = Command(
            connection, null, $"SELECT {SessionColumns} FROM {_dialect.SessionsTable} WHERE {where} ORDER BY {order} LIMIT @limit");
        LedgerDialect.AddParameter(list, "limit", limit, DbType.Int32);
        var sessions = new List<PaymentLinkSession>();
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sessions.Add(ReadSession(reader));
        }

        return sessions;
    }

    public async Task<bool> RetryAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return await RetryParkedAsync("AND session_id = @session_id", sessionId, cancellationToken).ConfigureAwait(false) == 1;
    }

    public Task<int> RetryAllParkedAsync(CancellationToken cancellationToken = default) =>
        RetryParkedAsync(string.Empty, null, cancellationToken);

    public async Task<PaymentLinkErasure> EraseByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return await EraseAsync("LOWER(customer_email) = LOWER(@email)", command => LedgerDialect.AddParameter(command, "email", email.Trim(), DbType.String), null, cancellationToken, email)
            .ConfigureAwait(false);
    }

    public async Task<PaymentLinkErasure> EraseSessionAsync(string sessionId, CancellationToken cancellationToken = default)
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

    public async Task<PaymentLinkLedgerStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var counts = Command(
            connection,
            null,
            "SELECT SUM(CASE WHEN fulfill_due_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN parked_at IS NOT NULL THEN 1 ELSE 0 END) " +
            $"FROM {_dialect.SessionsTable} WHERE fulfill_due_at IS NOT NULL OR parked_at IS NOT NULL");
        long pending = 0, parked = 0;
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (pending, parked) = (Sum(reader, 0), Sum(reader, 1));
            }
        }

        DateTimeOffset? caughtUp;
        await using (var watermark = Command(connection, null, $"SELECT watermark FROM {_dialect.CatchUpTable} WHERE id = 1"))
        {
            await using var watermarkReader = await watermark.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            caughtUp = await watermarkReader.ReadAsync(cancellationToken).ConfigureAwait(false) ? _dialect.ReadTime(watermarkReader, 0) : null;
        }

        await using var refused = Command(connection, null, $"SELECT COUNT(*) FROM {_dialect.Table(RefusedEventsTable)}");
        var refusedEvents = Convert.ToInt64(await refused.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);

        // Through the outbox's (state, id) index: the dead and failed rows only, however many were sent.
        long deadConversions = 0, failedConversions = 0;
        await using (var stopped = Command(
            connection,
            null,
            $"SELECT state, COUNT(*) FROM {_dialect.Table("payment_link_forwarding")} WHERE state IN ('dead', 'failed') GROUP BY state"))
        {
            await using var stoppedReader = await stopped.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await stoppedReader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var count = Convert.ToInt64(stoppedReader.GetValue(1), CultureInfo.InvariantCulture);
                if (stoppedReader.GetString(0) == "dead")
                {
                    deadConversions = count;
                }
                else
                {
                    failedConversions = count;
                }
            }
        }

        return new PaymentLinkLedgerStatus
        {
            PendingSessions = pending,
            ParkedSessions = parked,
            CatchUpWatermark = caughtUp,
            RefusedCatchUpEvents = refusedEvents,
            DeadConversions = deadConversions,
            FailedConversions = failedConversions,
        };
    }

    /// <summary>How many sessions wait for fulfilment, for the pending gauge.</summary>
    public async Task<long> CountPendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = Command(connection, null, $"SELECT COUNT(*) FROM {_dialect.SessionsTable} WHERE fulfill_due_at IS NOT NULL");
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public Task<PaymentLinkLedgerSchema> GetSchemaAsync(CancellationToken cancellationToken = default) => _store.ReadSchemaAsync(cancellationToken);

    public Task<PaymentLinkLedgerSchema> ApplyMigrationsAsync(CancellationToken cancellationToken = default) => _store.ApplyMigrationsAsync(cancellationToken);

    private async Task<int> RetryParkedAsync(string condition, string? sessionId, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        int changed;

        // The last error stays until a try succeeds, so that the list still says why the session was parked.
        await using (var retry = Command(
            connection,
            transaction,
            $"UPDATE {_dialect.SessionsTable} SET parked_at = NULL, fulfill_due_at = {_dialect.Now}, fulfillment_attempts = 0, " +
            $"lease_owner = NULL, lease_until = NULL, updated_at = @now WHERE parked_at IS NOT NULL {condition}"))
        {
            _dialect.AddTime(retry, "now", _timeProvider.GetUtcNow());
            if (sessionId is not null)
            {
                LedgerDialect.AddParameter(retry, "session_id", sessionId, DbType.String);
            }

            changed = await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            SignalSessionDue();
        }

        return changed;
    }

    /// <summary>
    /// In one transaction: the sessions matching <paramref name="where"/> lose their personal data and are remembered as
    /// erased. <paramref name="alwaysRemember"/> is remembered even when the ledger does not have it yet.
    /// </summary>
    private async Task<PaymentLinkErasure> EraseAsync(
        string where, Action<DbCommand> addParameters, string? alwaysRemember, CancellationToken cancellationToken, string? email = null)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _dialect.PrepareErasureAsync(connection, cancellationToken).ConfigureAwait(false);
        var sessionIds = new List<string>();
        await using (var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            await using (var find = Command(connection, transaction, $"SELECT session_id FROM {_dialect.SessionsTable} WHERE {where}"))
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
                await using (var erase = Command(
                    connection,
                    transaction,
                    $"UPDATE {_dialect.SessionsTable} SET customer_email = NULL, metadata = NULL, " +
                    "last_error = CASE WHEN last_error IS NULL THEN NULL ELSE @erased_error END, updated_at = @now WHERE session_id = @session_id"))
                {
                    LedgerDialect.AddParameter(erase, "session_id", sessionId, DbType.String);
                    LedgerDialect.AddParameter(erase, "erased_error", ErasedError, DbType.String);
                    _dialect.AddTime(erase, "now", now);
                    await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // What the thank-you page saw of the buyer's browser (cookies, user agent, URL, IP) goes whole.
                await using (var details = Command(
                    connection, transaction, $"DELETE FROM {_dialect.Table("payment_link_visit_details")} WHERE session_id = @session_id"))
                {
                    LedgerDialect.AddParameter(details, "session_id", sessionId, DbType.String);
                    await details.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var mark = Command(
                    connection,
                    transaction,
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
                await using var body = Command(
                    connection,
                    transaction,
                    $"UPDATE {_dialect.Table(RefusedEventsTable)} SET payload = @erased_payload WHERE LOWER(payload) LIKE @needle");
                LedgerDialect.AddParameter(body, "erased_payload", ErasedPayload, DbType.String);
                LedgerDialect.AddParameter(body, "needle", "%" + needle.ToLowerInvariant().Replace("%", string.Empty, StringComparison.Ordinal) + "%", DbType.String);
                await body.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _dialect.AfterErasureAsync(connection, cancellationToken).ConfigureAwait(false);
        return new PaymentLinkErasure { SessionIds = sessionIds };
    }
}
