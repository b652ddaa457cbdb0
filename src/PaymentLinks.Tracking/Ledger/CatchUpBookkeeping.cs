using System.Data;

namespace PaymentLinks.Tracking;

/// <summary>The catch-up's watermark and its lease (one row, taken by one instance at a time), and the events it refused.</summary>
internal sealed class CatchUpBookkeeping(LedgerStore store)
{
    private const string RefusedEventsTable = "payment_link_refused_events";

    private readonly LedgerDialect _dialect = store.Dialect;

    /// <summary>
    /// Takes the catch-up lease for <paramref name="owner"/> for <paramref name="lease"/> (on the database's clock) when no
    /// other instance holds it (or its lease ran out): on PostgreSQL the row is locked with <c>SKIP LOCKED</c>, on SQLite the write lock
    /// is the file's.
    /// </summary>
    /// <returns>Whether the lease was taken, and the watermark when it was.</returns>
    public async Task<(bool Taken, DateTimeOffset? Watermark)> TakeCatchUpLeaseAsync(
        string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var table = _dialect.CatchUpTable;
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        (bool Taken, DateTimeOffset? Watermark) taken = (false, null);
        await using (var take = unit.Command(
            $"UPDATE {table} SET lease_owner = @owner, lease_until = {_dialect.NowPlus("@lease_ms")} WHERE id = (SELECT id FROM {table} " +
            $"WHERE id = 1 AND (lease_until IS NULL OR lease_until <= {_dialect.Now}) {_dialect.ClaimLock}) RETURNING watermark"))
        {
            LedgerDialect.AddParameter(take, "owner", owner, DbType.String);
            LedgerDialect.AddMilliseconds(take, "lease_ms", lease);
            await using var reader = await take.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                taken = (true, _dialect.ReadTime(reader, 0));
            }
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return taken;
    }

    /// <summary>
    /// Moves the watermark forward to <paramref name="watermark"/> (never back; <see langword="null"/> leaves it) and
    /// extends the lease to <paramref name="lease"/> from now on the database's clock, only while <paramref name="owner"/>
    /// holds it.
    /// </summary>
    /// <returns>Whether <paramref name="owner"/> still held the lease.</returns>
    public async Task<bool> AdvanceCatchUpAsync(
        string owner, DateTimeOffset? watermark, TimeSpan lease, CancellationToken cancellationToken)
    {
        var table = _dialect.CatchUpTable;
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int changed;
        await using (var advance = unit.Command(
            $"UPDATE {table} SET watermark = CASE WHEN @watermark IS NOT NULL AND (watermark IS NULL OR watermark < @watermark) " +
            $"THEN @watermark ELSE watermark END, lease_until = {_dialect.NowPlus("@lease_ms")} WHERE id = 1 AND lease_owner = @owner"))
        {
            LedgerDialect.AddParameter(advance, "owner", owner, DbType.String);
            _dialect.AddTime(advance, "watermark", watermark);
            LedgerDialect.AddMilliseconds(advance, "lease_ms", lease);
            changed = await advance.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    /// <summary>Gives the catch-up lease back, if <paramref name="owner"/> still holds it.</summary>
    public async Task ReleaseCatchUpLeaseAsync(string owner, CancellationToken cancellationToken)
    {
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (var release = unit.Command(
            $"UPDATE {_dialect.CatchUpTable} SET lease_owner = NULL, lease_until = NULL WHERE id = 1 AND lease_owner = @owner"))
        {
            LedgerDialect.AddParameter(release, "owner", owner, DbType.String);
            await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the catch-up's watermark, or <see langword="null"/> before any catch-up recorded an event.</summary>
    public async Task<DateTimeOffset?> ReadCatchUpWatermarkAsync(CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadCatchUpWatermarkAsync(unit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The watermark, read in <paramref name="unit"/>.</summary>
    public async Task<DateTimeOffset?> ReadCatchUpWatermarkAsync(LedgerUnit unit, CancellationToken cancellationToken)
    {
        await using var read = unit.Command($"SELECT watermark FROM {_dialect.CatchUpTable} WHERE id = 1");
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? _dialect.ReadTime(reader, 0) : null;
    }

    /// <summary>
    /// Keeps an event catch-up could not read, once per event id (a later run that lists it again changes nothing).
    /// </summary>
    /// <returns>Whether it was new to the ledger.</returns>
    public async Task<bool> RecordRefusedCatchUpEventAsync(RefusedCatchUpEvent refused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refused);
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        int changed;
        await using (var insert = unit.Command(
            $"INSERT INTO {_dialect.Table(RefusedEventsTable)} (event_id, event_type, created, reason, payload, refused_at) " +
            "VALUES (@event_id, @event_type, @created, @reason, @payload, @now) ON CONFLICT (event_id) DO NOTHING"))
        {
            LedgerDialect.AddParameter(insert, "event_id", refused.EventId, DbType.String);
            LedgerDialect.AddParameter(insert, "event_type", refused.EventType, DbType.String);
            _dialect.AddTime(insert, "created", refused.Created);
            LedgerDialect.AddParameter(insert, "reason", refused.Reason, DbType.String);
            LedgerDialect.AddParameter(insert, "payload", refused.Json, DbType.String);
            _dialect.AddTime(insert, "now", store.TimeProvider.GetUtcNow());
            changed = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public async Task<IReadOnlyList<RefusedCatchUpEvent>> ListRefusedCatchUpEventsAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = unit.Command(
            $"SELECT event_id, event_type, created, reason, payload, refused_at FROM {_dialect.Table(RefusedEventsTable)} " +
            $"ORDER BY refused_at DESC, event_id {_dialect.OrdinalCollation} LIMIT @limit");
        LedgerDialect.AddParameter(list, "limit", limit, DbType.Int32);
        var refused = new List<RefusedCatchUpEvent>();
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            refused.Add(new RefusedCatchUpEvent(
                reader.GetString(0), LedgerStore.StringOrNull(reader, 1), _dialect.ReadTime(reader, 2), reader.GetString(3), reader.GetString(4), _dialect.ReadTime(reader, 5)));
        }

        return refused;
    }

    /// <summary>How many events catch-up has refused, for a health check.</summary>
    public async Task<long> CountRefusedCatchUpEventsAsync(CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var unit = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await CountRefusedCatchUpEventsAsync(unit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many events catch-up has refused, counted in <paramref name="unit"/>.</summary>
    public async Task<long> CountRefusedCatchUpEventsAsync(LedgerUnit unit, CancellationToken cancellationToken)
    {
        await using var count = unit.Command($"SELECT COUNT(*) FROM {_dialect.Table(RefusedEventsTable)}");
        return LedgerStore.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// In an erasure's <paramref name="unit"/>: the raw body of each refused event that names <paramref name="needle"/> (an
    /// erased email or session id) is replaced by <paramref name="erasedPayload"/>.
    /// </summary>
    public async Task EraseRefusedPayloadsAsync(LedgerUnit unit, string needle, string erasedPayload, CancellationToken cancellationToken)
    {
        await using var body = unit.Command(
            $"UPDATE {_dialect.Table(RefusedEventsTable)} SET payload = @erased_payload WHERE LOWER(payload) LIKE @needle");
        LedgerDialect.AddParameter(body, "erased_payload", erasedPayload, DbType.String);
        LedgerDialect.AddParameter(body, "needle", "%" + needle.ToLowerInvariant().Replace("%", string.Empty, StringComparison.Ordinal) + "%", DbType.String);
        await body.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
