using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>One event's rows, as the floor writes them: the event and the fields of its Checkout Session.</summary>
internal sealed record FloorRow(
    string EventId,
    string EventType,
    DateTimeOffset Created,
    bool Livemode,
    string SessionId,
    string? PaymentLinkId,
    string? ClientReferenceId,
    string? CustomerEmail,
    long? AmountTotal,
    string? Currency,
    string? Mode,
    string? Status,
    string? PaymentStatus,
    string? MetadataJson)
{
    /// <summary>The rows of a parsed event (parsed by the library, outside the measured time).</summary>
    public static FloorRow From(PaymentLinkEvent e)
    {
        var checkout = e.Checkout!;
        return new FloorRow(
            e.EventId, e.EventType, e.Created, e.Livemode, checkout.SessionId, checkout.PaymentLinkId, checkout.ClientReferenceId,
            checkout.CustomerEmail, checkout.AmountTotal, checkout.Currency, checkout.Mode, checkout.Status,
            PaymentStatusText(checkout.PaymentStatus), JsonSerializer.Serialize(checkout.Metadata));
    }

    /// <summary>The rows of a webhook body, read with System.Text.Json as a hand-written endpoint would.</summary>
    public static FloorRow From(JsonElement envelope)
    {
        var session = envelope.GetProperty("data").GetProperty("object");
        return new FloorRow(
            envelope.GetProperty("id").GetString()!,
            envelope.GetProperty("type").GetString()!,
            DateTimeOffset.FromUnixTimeSeconds(envelope.GetProperty("created").GetInt64()),
            envelope.GetProperty("livemode").GetBoolean(),
            session.GetProperty("id").GetString()!,
            Text(session, "payment_link"),
            Text(session, "client_reference_id"),
            session.TryGetProperty("customer_details", out var customer) && customer.ValueKind == JsonValueKind.Object ? Text(customer, "email") : null,
            session.TryGetProperty("amount_total", out var amount) && amount.ValueKind == JsonValueKind.Number ? amount.GetInt64() : null,
            Text(session, "currency"),
            Text(session, "mode"),
            Text(session, "status"),
            Text(session, "payment_status"),
            session.TryGetProperty("metadata", out var metadata) ? metadata.GetRawText() : null);
    }

    public bool Paid => PaymentStatus == "paid" && EventType is "checkout.session.completed" or "checkout.session.async_payment_succeeded";

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string PaymentStatusText(CheckoutPaymentStatus status) => status switch
    {
        CheckoutPaymentStatus.Paid => "paid",
        CheckoutPaymentStatus.NoPaymentRequired => "no_payment_required",
        _ => "unpaid",
    };
}

/// <summary>
/// The floor: an event's rows written straight into the ledger's tables with the same driver, one transaction per event
/// (the event inserted once by its id, then its session inserted or updated), without the library: what a user who
/// wrote it by hand would have.
/// </summary>
internal sealed class FloorWriter : IAsyncDisposable
{
    private readonly LedgerDatabase _database;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string _insertEvent;
    private readonly string _upsertSession;

    public FloorWriter(LedgerDatabase database)
    {
        _database = database;
        _dataSource = database.Engine == Engine.PostgreSql ? NpgsqlDataSource.Create(database.ConnectionString) : null;
        var metadata = database.Engine == Engine.PostgreSql ? "CAST(@metadata AS jsonb)" : "@metadata";
        _insertEvent = $"INSERT INTO {database.EventsTable} (event_id, event_type, created, session_id, livemode, recorded_at) " +
            "VALUES (@event_id, @event_type, @created, @session_id, @livemode, @now) ON CONFLICT (event_id) DO NOTHING";
        _upsertSession = $"INSERT INTO {database.SessionsTable} AS s (session_id, payment_link_id, client_reference_id, customer_email, " +
            "amount_total, currency, mode, status, payment_status, livemode, metadata, completed_at, paid_at, failed_at, expired_at, " +
            "fulfillment_attempts, first_recorded_at, updated_at) VALUES (@session_id, @payment_link_id, @client_reference_id, " +
            $"@customer_email, @amount_total, @currency, @mode, @status, @payment_status, @livemode, {metadata}, @completed_at, @paid_at, " +
            "@failed_at, @expired_at, 0, @now, @now) ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, " +
            "payment_status = excluded.payment_status, completed_at = COALESCE(s.completed_at, excluded.completed_at), " +
            "paid_at = COALESCE(s.paid_at, excluded.paid_at), failed_at = COALESCE(s.failed_at, excluded.failed_at), " +
            "expired_at = COALESCE(s.expired_at, excluded.expired_at), updated_at = excluded.updated_at";
    }

    public async Task WriteAsync(FloorRow row, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        await using (var insert = Command(connection, transaction, _insertEvent))
        {
            Add(insert, "event_id", row.EventId);
            Add(insert, "event_type", row.EventType);
            AddTime(insert, "created", row.Created);
            Add(insert, "session_id", row.SessionId);
            Add(insert, "livemode", row.Livemode);
            AddTime(insert, "now", now);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                return;
            }
        }

        await using (var upsert = Command(connection, transaction, _upsertSession))
        {
            Add(upsert, "session_id", row.SessionId);
            Add(upsert, "payment_link_id", row.PaymentLinkId);
            Add(upsert, "client_reference_id", row.ClientReferenceId);
            Add(upsert, "customer_email", row.CustomerEmail);
            Add(upsert, "amount_total", row.AmountTotal);
            Add(upsert, "currency", row.Currency);
            Add(upsert, "mode", row.Mode);
            Add(upsert, "status", row.Status);
            Add(upsert, "payment_status", row.PaymentStatus);
            Add(upsert, "livemode", row.Livemode);
            Add(upsert, "metadata", row.MetadataJson);
            AddTime(upsert, "completed_at", row.EventType == "checkout.session.completed" ? row.Created : null);
            AddTime(upsert, "paid_at", row.Paid ? row.Created : null);
            AddTime(upsert, "failed_at", row.EventType == "checkout.session.async_payment_failed" ? row.Created : null);
            AddTime(upsert, "expired_at", row.EventType == "checkout.session.expired" ? row.Created : null);
            AddTime(upsert, "now", now);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var busy = connection.CreateCommand();
        // As long as the ledger's default BusyTimeout: 16 writers take turns on the file.
        busy.CommandText = "PRAGMA busy_timeout = 30000";
        await busy.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        // Npgsql needs a null's type; the columns the floor may leave null are text.
        if (value is null && parameter is NpgsqlParameter npgsql)
        {
            npgsql.NpgsqlDbType = NpgsqlDbType.Text;
        }

        command.Parameters.Add(parameter);
    }

    private void AddTime(DbCommand command, string name, DateTimeOffset? time)
    {
        if (_database.Engine == Engine.Sqlite)
        {
            Add(command, name, time?.ToUnixTimeMilliseconds());
            return;
        }

        var parameter = new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = time is { } value ? value.UtcDateTime : DBNull.Value };
        command.Parameters.Add(parameter);
    }
}
