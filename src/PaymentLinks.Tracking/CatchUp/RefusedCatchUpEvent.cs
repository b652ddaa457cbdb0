using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// An event Stripe's Events API listed that cannot be read as an event: kept in the ledger with its JSON and the reason,
/// so that catch-up moves past it and an operator can look at it (<see cref="IPaymentLinkAdmin.ListRefusedCatchUpEventsAsync"/>).
/// </summary>
/// <remarks>
/// <see cref="Json"/> is the event as Stripe wrote it and can name the customer; erasing a customer or a session
/// replaces the JSON of each refused event that names them with a marker.
/// </remarks>
/// <param name="EventId">The event's id, as listed.</param>
/// <param name="EventType">Its <c>type</c>, when it has a text one.</param>
/// <param name="Created">Its <c>created</c> time, when it has a numeric one.</param>
/// <param name="Reason">Why it cannot be read (a <see cref="PaymentLinkWebhookRejection"/> name).</param>
/// <param name="Json">The event's JSON as Stripe listed it (which can name the customer).</param>
/// <param name="RefusedAt">When catch-up first refused it; <see langword="null"/> before it is recorded.</param>
public sealed record RefusedCatchUpEvent(
    string EventId, string? EventType, DateTimeOffset? Created, string Reason, string Json, DateTimeOffset? RefusedAt = null)
{
    internal static RefusedCatchUpEvent From(string eventId, string json, string reason)
    {
        string? type = null;
        DateTimeOffset? created = null;
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            if (root.TryGetProperty("type", out var typeValue) && typeValue.ValueKind == JsonValueKind.String)
            {
                type = typeValue.GetString();
            }

            if (root.TryGetProperty("created", out var createdValue) && createdValue.ValueKind == JsonValueKind.Number
                && createdValue.TryGetInt64(out var seconds) && seconds is >= 0 and <= 253402300799)
            {
                created = DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
        }

        return new RefusedCatchUpEvent(eventId, type, created, reason, json);
    }
}

/// <summary>One entry of a catch-up listing: an event to record, or one that cannot be read.</summary>
internal readonly record struct ListedCatchUpEvent(PaymentLinkEvent? Event, RefusedCatchUpEvent? Refused);
