using System.Text.Json;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// The admin API's JSON, written field by field (no reflection). Sessions are written without the customer's email
/// or metadata, refused events without their JSON: an operator needs the state and the error, not the person.
/// </summary>
internal static class AdminJson
{
    public static void WriteSessions(Utf8JsonWriter writer, IReadOnlyList<PaymentLinkSession> sessions)
    {
        writer.WriteStartArray("sessions");
        foreach (var session in sessions)
        {
            writer.WriteStartObject();
            writer.WriteString("session_id", session.SessionId);
            writer.WriteString("payment_link_id", session.PaymentLinkId);
            writer.WriteString("status", session.Status);
            writer.WriteString("payment_status", CheckoutPaymentStatusText.Format(session.PaymentStatus));
            if (session.AmountTotal is { } amount)
            {
                writer.WriteNumber("amount_total", amount);
            }
            else
            {
                writer.WriteNull("amount_total");
            }

            writer.WriteString("currency", session.Currency);
            writer.WriteNumber("fulfillment_attempts", session.FulfillmentAttempts);
            Time(writer, "paid_at", session.PaidAt);
            Time(writer, "fulfilled_at", session.FulfilledAt);
            Time(writer, "parked_at", session.ParkedAt);
            writer.WriteString("last_error", session.LastFulfillmentError);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static void WriteErasure(Utf8JsonWriter writer, PaymentLinkErasure erasure)
    {
        writer.WriteNumber("erased_sessions", erasure.SessionIds.Count);
        writer.WriteStartArray("session_ids");
        foreach (var sessionId in erasure.SessionIds)
        {
            writer.WriteStringValue(sessionId);
        }

        writer.WriteEndArray();
    }

    /// <summary>The refused catch-up events without their JSON, which can name the customer.</summary>
    public static void WriteRefusedEvents(Utf8JsonWriter writer, IReadOnlyList<RefusedCatchUpEvent> refused)
    {
        writer.WriteStartArray("refused_events");
        foreach (var refusedEvent in refused)
        {
            writer.WriteStartObject();
            writer.WriteString("event_id", refusedEvent.EventId);
            writer.WriteString("event_type", refusedEvent.EventType);
            Time(writer, "created", refusedEvent.Created);
            writer.WriteString("reason", refusedEvent.Reason);
            Time(writer, "refused_at", refusedEvent.RefusedAt);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The forwarding outbox's rows: no personal data (the session id, the amounts and the reasons only).</summary>
    public static void WriteConversions(Utf8JsonWriter writer, IReadOnlyList<ForwardedConversion> conversions)
    {
        writer.WriteStartArray("conversions");
        foreach (var conversion in conversions)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", conversion.Id);
            writer.WriteString("session_id", conversion.SessionId);
            writer.WriteString("destination", ForwardingNames.Of(conversion.Destination));
            writer.WriteString("kind", ForwardingNames.Of(conversion.Kind));
            writer.WriteString("state", ForwardingNames.Of(conversion.State));
            writer.WriteNumber("attempts", conversion.Attempts);
            if (conversion.Amount is { } amount)
            {
                writer.WriteNumber("amount", amount);
            }
            else
            {
                writer.WriteNull("amount");
            }

            writer.WriteString("currency", conversion.Currency);
            Time(writer, "occurred_at", conversion.OccurredAt);
            Time(writer, "due_at", conversion.DueAt);
            Time(writer, "sent_at", conversion.SentAt);
            writer.WriteString("last_error", conversion.LastError);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static void WriteStatus(Utf8JsonWriter writer, PaymentLinkLedgerStatus status)
    {
        writer.WriteNumber("pending_sessions", status.PendingSessions);
        writer.WriteNumber("parked_sessions", status.ParkedSessions);
        writer.WriteNumber("refused_catch_up_events", status.RefusedCatchUpEvents);
        writer.WriteNumber("dead_conversions", status.DeadConversions);
        writer.WriteNumber("failed_conversions", status.FailedConversions);
        writer.WriteNumber("unclaimed_visits", status.UnclaimedVisits);
        if (status.OldestPendingConversionAge is { } oldestPending)
        {
            writer.WriteNumber("oldest_pending_conversion_seconds", Math.Round(oldestPending.TotalSeconds));
        }
        else
        {
            writer.WriteNull("oldest_pending_conversion_seconds");
        }

        Time(writer, "catch_up_watermark", status.CatchUpWatermark);
    }

    private static void Time(Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            writer.WriteString(name, value.UtcDateTime);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
