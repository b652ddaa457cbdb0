using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace PaymentLinks.Tracking;

/// <summary>
/// Reads a Stripe event from UTF-8 JSON with the source-generated contracts of <see cref="StripeObjectJson"/>: the
/// envelope and a Checkout Session in one pass, the object of a charge, refund, dispute or invoice event in a second.
/// It checks no signature: the parser calls it once a webhook's signature is verified, and events from any other
/// trusted source of Stripe's JSON take the same path.
/// </summary>
internal static class PaymentLinkEventReader
{
    private static readonly JsonReaderOptions Strict = new()
    {
        MaxDepth = 64,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Reads an event from UTF-8 JSON, such as a payload whose signature has been verified.</summary>
    /// <param name="json">The event, as received.</param>
    /// <param name="payloadText">The event as a string when the caller has one, kept instead of a copy of <paramref name="json"/>.</param>
    /// <param name="paymentLinkEvent">The event, when the JSON is one.</param>
    /// <returns>
    /// <see cref="PaymentLinkWebhookRejection.None"/>, <see cref="PaymentLinkWebhookRejection.MalformedJson"/> or
    /// <see cref="PaymentLinkWebhookRejection.NotAnEvent"/>.
    /// </returns>
    public static PaymentLinkWebhookRejection Read(
        ReadOnlySpan<byte> json, string? payloadText, out PaymentLinkEvent? paymentLinkEvent)
    {
        paymentLinkEvent = null;

        // One vectorised pass: every string, read or skipped, is then valid UTF-8, as ToStripeEvent needs.
        if (!Utf8.IsValid(json))
        {
            return PaymentLinkWebhookRejection.MalformedJson;
        }

        var rejection = ReadEnvelope(json, out var envelope, out var session);
        if (rejection != PaymentLinkWebhookRejection.None)
        {
            return rejection;
        }

        if (envelope is not { Object: "event", Id.Length: > 0, Type: { } type, Created: { } created, Livemode: { } livemode }
            || created is < StripeObjectJson.MinUnixSeconds or > StripeObjectJson.MaxUnixSeconds)
        {
            return PaymentLinkWebhookRejection.NotAnEvent;
        }

        var kind = PaymentLinkEvent.KindOf(type);
        PaymentLinkCheckout? checkout = null;
        if (session is not null)
        {
            if (session.Id is null)
            {
                return PaymentLinkWebhookRejection.NotAnEvent;
            }

            checkout = new PaymentLinkCheckout(
                session.Id,
                session.PaymentLink,
                session.ClientReferenceId,
                session.CustomerDetails?.Email,
                session.AmountTotal,
                session.Currency,
                session.PaymentStatus is { } paymentStatus ? CheckoutPaymentStatusText.Parse(paymentStatus) : CheckoutPaymentStatus.Unknown,
                session.Status,
                session.Mode,
                session.Metadata is null ? PaymentLinkCheckout.NoMetadata : new ReadOnlyDictionary<string, string>(session.Metadata),
                session.PaymentIntent,
                session.Subscription,
                session.TotalDetails?.AmountTax,
                session.TotalDetails?.AmountShipping);
        }
        else if (kind is PaymentLinkEventKind.CheckoutCompleted or PaymentLinkEventKind.AsyncPaymentSucceeded
            or PaymentLinkEventKind.AsyncPaymentFailed or PaymentLinkEventKind.CheckoutExpired)
        {
            return PaymentLinkWebhookRejection.NotAnEvent;
        }
        else if (kind != PaymentLinkEventKind.Ignored)
        {
            // The charge, refund, dispute and invoice events: their object is read with its own contract.
            rejection = StripeObjectJson.Read(json, kind, out var charge, out var refund, out var dispute, out var invoice);
            if (rejection != PaymentLinkWebhookRejection.None)
            {
                return rejection;
            }

            paymentLinkEvent = new PaymentLinkEvent(
                envelope.Id,
                type,
                kind,
                DateTimeOffset.FromUnixTimeSeconds(created),
                livemode,
                envelope.ApiVersion,
                null,
                payloadText,
                payloadText is null ? CopyOf(json) : null,
                charge,
                refund,
                dispute,
                invoice);
            return PaymentLinkWebhookRejection.None;
        }

        paymentLinkEvent = new PaymentLinkEvent(
            envelope.Id,
            type,
            kind,
            DateTimeOffset.FromUnixTimeSeconds(created),
            livemode,
            envelope.ApiVersion,
            checkout,
            payloadText,
            payloadText is null ? CopyOf(json) : null);
        return PaymentLinkWebhookRejection.None;
    }

    // Reads the envelope, and the object as a Checkout Session when it is one. The event's type may come after its
    // object, and the object's own "object" field after its other fields, so the object is read as a session first.
    private static PaymentLinkWebhookRejection ReadEnvelope(
        ReadOnlySpan<byte> json, out EventEnvelopeJson? envelope, out SessionJson? session)
    {
        session = null;
        try
        {
            var read = JsonSerializer.Deserialize(json, StripeObjectJson.SessionEvent);
            envelope = read;
            if (read?.Data?.Object is not { } dataObject)
            {
                return PaymentLinkWebhookRejection.NotAnEvent;
            }

            session = dataObject.Object == "checkout.session" ? dataObject : null;
            return PaymentLinkWebhookRejection.None;
        }
        catch (RepeatedPropertyException)
        {
            envelope = null;
            return PaymentLinkWebhookRejection.MalformedJson;
        }
        catch (JsonException)
        {
            return ReadRefusedEnvelope(json, out envelope);
        }
    }

    // The contract refused the JSON at its first fault. The JSON is malformed if it is not well-formed, or if anywhere
    // (before or after that fault) it repeats a property the contract reads or holds a string the contract reads whose
    // escapes are not valid UTF-16 (a lone "\ud800"). Otherwise a field has another type than a session's: that refuses
    // the event only if its object is a session, or if the field is the envelope's; an event about any other object may
    // use those names as it likes.
    private static PaymentLinkWebhookRejection ReadRefusedEnvelope(ReadOnlySpan<byte> json, out EventEnvelopeJson? envelope)
    {
        envelope = null;
        try
        {
            var reader = new Utf8JsonReader(json, Strict);
            using var document = JsonDocument.ParseValue(ref reader);

            // Anything but white space after the event makes the reader throw.
            reader.Read();
            if (IsMalformedFor(document.RootElement, StripeObjectJson.SessionEvent))
            {
                return PaymentLinkWebhookRejection.MalformedJson;
            }
        }
        catch (JsonException)
        {
            return PaymentLinkWebhookRejection.MalformedJson;
        }
        catch (InvalidOperationException)
        {
            // A property name whose escapes are not valid UTF-16.
            return PaymentLinkWebhookRejection.MalformedJson;
        }

        try
        {
            var read = JsonSerializer.Deserialize(json, StripeObjectJson.AnyEvent);
            envelope = read;
            return read?.Data?.Object is { } dataObject && !dataObject.IsCheckoutSession()
                ? PaymentLinkWebhookRejection.None
                : PaymentLinkWebhookRejection.NotAnEvent;
        }
        catch (JsonException)
        {
            // A field of the envelope of another type than Stripe gives it.
            return PaymentLinkWebhookRejection.NotAnEvent;
        }
    }

    // Whether the value repeats a property that the contract reads, or holds a string it reads that cannot be read,
    // looking only where the contract would: into objects where it expects one, metadata's string values, and strings.
    private static bool IsMalformedFor(JsonElement value, JsonTypeInfo contract)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return contract.Type == typeof(string) && !IsReadable(value);
        }

        if (value.ValueKind != JsonValueKind.Object || contract.Kind is not (JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary))
        {
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (contract.Kind == JsonTypeInfoKind.Dictionary)
            {
                // Metadata: a value of another type is a field of another type; only string values are kept, each key once.
                if (property.Value.ValueKind == JsonValueKind.String && (!IsReadable(property.Value) || !seen.Add(property.Name)))
                {
                    return true;
                }

                continue;
            }

            foreach (var read in contract.Properties)
            {
                if (read.Name == property.Name)
                {
                    // The type of the event's object (its "object" text) is compared with a type's name, never kept:
                    // any text there that names no type makes the object one of another type, not malformed JSON.
                    var isTypeName = read.Name == "object" && read.PropertyType == typeof(string)
                        && !contract.Type.IsAssignableTo(typeof(EventEnvelopeJson));
                    if (!seen.Add(property.Name)
                        || (!isTypeName && IsMalformedFor(property.Value, contract.Options.GetTypeInfo(read.PropertyType))))
                    {
                        return true;
                    }

                    break;
                }
            }
        }

        return false;
    }

    private static bool IsReadable(JsonElement text)
    {
        try
        {
            text.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // The caller's bytes are kept for ToStripeEvent. Every byte is overwritten, so the array need not be zeroed first.
    private static byte[] CopyOf(ReadOnlySpan<byte> json)
    {
        var copy = GC.AllocateUninitializedArray<byte>(json.Length);
        json.CopyTo(copy);
        return copy;
    }
}
