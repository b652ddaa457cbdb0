using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PaymentLinks.Tracking;

/// <summary>
/// System.Text.Json's source-generated contracts for Stripe's events, holding only the fields this library reads; every
/// other field is skipped, though still checked for well-formedness. The envelope and a Checkout Session are read in one
/// pass (<see cref="SessionEvent"/>); the <c>data.object</c> of the charge, refund, dispute and invoice events in a
/// second (<see cref="Read"/>).
/// </summary>
internal static class StripeObjectJson
{
    /// <summary>The earliest time a <see cref="DateTimeOffset"/> holds (0001-01-01), in Unix seconds.</summary>
    internal const long MinUnixSeconds = -62_135_596_800;

    /// <summary>The latest time a <see cref="DateTimeOffset"/> holds (9999-12-31), in Unix seconds.</summary>
    internal const long MaxUnixSeconds = 253_402_300_799;

    // The envelope and the session's contracts refuse a property the JSON repeats: a later full deserialisation
    // (ToStripeEvent, or the receiver's own code) could otherwise see another value than the one read here.
    private static readonly JsonSerializerOptions RepeatChecked = new(StripeObjectContext.Default.Options)
    {
        TypeInfoResolver = StripeObjectContext.Default.WithAddedModifier(RefuseRepeatedProperties),
    };

    /// <summary>An event whose object is read as a Checkout Session, the object a webhook is most often about.</summary>
    internal static readonly JsonTypeInfo<EventJson<SessionJson>> SessionEvent =
        (JsonTypeInfo<EventJson<SessionJson>>)RepeatChecked.GetTypeInfo(typeof(EventJson<SessionJson>));

    /// <summary>An event whose object is read for its <c>object</c> field only, whatever its other fields hold.</summary>
    internal static JsonTypeInfo<EventJson<ObjectTypeJson>> AnyEvent => StripeObjectContext.Default.EventJsonObjectTypeJson;

    /// <summary>Reads the object of a verified event of <paramref name="kind"/>, or says why it is not one.</summary>
    public static PaymentLinkWebhookRejection Read(
        ReadOnlySpan<byte> json,
        PaymentLinkEventKind kind,
        out PaymentLinkCharge? charge,
        out PaymentLinkRefund? refund,
        out PaymentLinkDispute? dispute,
        out PaymentLinkInvoice? invoice)
    {
        charge = null;
        refund = null;
        dispute = null;
        invoice = null;
        try
        {
            switch (kind)
            {
                case PaymentLinkEventKind.ChargeRefunded:
                    var chargeJson = ObjectOf(json, StripeObjectContext.Default.EventJsonChargeJson, "charge");
                    if (chargeJson is not { Id.Length: > 0 })
                    {
                        return PaymentLinkWebhookRejection.NotAnEvent;
                    }

                    charge = new PaymentLinkCharge
                    {
                        ChargeId = chargeJson.Id,
                        PaymentIntentId = chargeJson.PaymentIntent,
                        InvoiceId = chargeJson.Invoice,
                        Amount = chargeJson.Amount,
                        AmountRefunded = chargeJson.AmountRefunded,
                        Refunded = chargeJson.Refunded,
                        Currency = chargeJson.Currency,
                    };
                    break;
                case PaymentLinkEventKind.RefundUpdated:
                    var refundJson = ObjectOf(json, StripeObjectContext.Default.EventJsonRefundJson, "refund");
                    if (refundJson is not { Id.Length: > 0 })
                    {
                        return PaymentLinkWebhookRejection.NotAnEvent;
                    }

                    refund = new PaymentLinkRefund
                    {
                        RefundId = refundJson.Id,
                        ChargeId = refundJson.Charge,
                        PaymentIntentId = refundJson.PaymentIntent,
                        Amount = refundJson.Amount,
                        Currency = refundJson.Currency,
                        Status = refundJson.Status,
                        Created = Time(refundJson.Created),
                    };
                    break;
                case PaymentLinkEventKind.DisputeCreated or PaymentLinkEventKind.DisputeClosed:
                    var disputeJson = ObjectOf(json, StripeObjectContext.Default.EventJsonDisputeJson, "dispute");
                    if (disputeJson is not { Id.Length: > 0 })
                    {
                        return PaymentLinkWebhookRejection.NotAnEvent;
                    }

                    dispute = new PaymentLinkDispute
                    {
                        DisputeId = disputeJson.Id,
                        ChargeId = disputeJson.Charge,
                        PaymentIntentId = disputeJson.PaymentIntent,
                        Amount = disputeJson.Amount,
                        Currency = disputeJson.Currency,
                        Status = disputeJson.Status,
                    };
                    break;
                case PaymentLinkEventKind.InvoicePaid:
                    var invoiceJson = ObjectOf(json, StripeObjectContext.Default.EventJsonInvoiceJson, "invoice");
                    if (invoiceJson is not { Id.Length: > 0 })
                    {
                        return PaymentLinkWebhookRejection.NotAnEvent;
                    }

                    invoice = InvoiceOf(invoiceJson);
                    break;
                case PaymentLinkEventKind.InvoicePaymentPaid:
                    var paymentJson = ObjectOf(json, StripeObjectContext.Default.EventJsonInvoicePaymentJson, "invoice_payment");
                    if (paymentJson is not { Invoice.Length: > 0 })
                    {
                        return PaymentLinkWebhookRejection.NotAnEvent;
                    }

                    invoice = new PaymentLinkInvoice
                    {
                        InvoiceId = paymentJson.Invoice,
                        AmountPaid = paymentJson.AmountPaid ?? 0,
                        Currency = paymentJson.Currency,
                        PaidAt = Time(paymentJson.StatusTransitions?.PaidAt),
                        PaymentIntentIds = paymentJson.Payment?.PaymentIntent is { } paymentIntent ? [paymentIntent] : [],
                    };
                    break;
                default:
                    return PaymentLinkWebhookRejection.NotAnEvent;
            }
        }
        catch (JsonException)
        {
            // A field of another type than Stripe gives it (an expanded object where an id belongs, text for an amount).
            return PaymentLinkWebhookRejection.NotAnEvent;
        }

        return PaymentLinkWebhookRejection.None;
    }

    /// <summary>The event's <c>data.object</c> when its <c>object</c> field names <paramref name="objectName"/>.</summary>
    private static T? ObjectOf<T>(ReadOnlySpan<byte> json, JsonTypeInfo<EventJson<T>> contract, string objectName)
        where T : StripeObjectJsonBase =>
        JsonSerializer.Deserialize(json, contract)?.Data?.Object is { } value && value.Object == objectName ? value : null;

    private static PaymentLinkInvoice InvoiceOf(InvoiceJson invoice)
    {
        // From 2025-03-31 the subscription and its metadata are under parent.subscription_details; before, on the invoice.
        var parent = invoice.Parent?.SubscriptionDetails;
        var metadata = parent?.Metadata ?? invoice.SubscriptionDetails?.Metadata;
        var paymentIntents = new List<string>();
        if (invoice.PaymentIntent is { } paymentIntent)
        {
            paymentIntents.Add(paymentIntent);
        }

        foreach (var payment in invoice.Payments?.Data ?? [])
        {
            if (payment?.Payment?.PaymentIntent is { } listed && !paymentIntents.Contains(listed))
            {
                paymentIntents.Add(listed);
            }
        }

        long tax = invoice.Tax ?? 0;
        if (invoice.TotalTaxes is { } totalTaxes)
        {
            tax = 0;
            foreach (var item in totalTaxes)
            {
                tax += item?.Amount ?? 0;
            }
        }

        return new PaymentLinkInvoice
        {
            InvoiceId = invoice.Id!,
            SubscriptionId = parent?.Subscription ?? invoice.Subscription,
            BillingReason = invoice.BillingReason,
            AmountPaid = invoice.AmountPaid,
            Tax = tax,
            Currency = invoice.Currency,
            PaidAt = Time(invoice.StatusTransitions?.PaidAt),
            ChargeId = invoice.Charge,
            PaymentIntentIds = paymentIntents.AsReadOnly(),
            SubscriptionMetadata = metadata is null || metadata.Count == 0
                ? PaymentLinkCheckout.NoMetadata
                : new ReadOnlyDictionary<string, string>(metadata),
        };
    }

    private static DateTimeOffset? Time(long? unixSeconds) =>
        unixSeconds is >= MinUnixSeconds and <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds.Value) : null;

    // Wraps each property's setter so that a second value for it, under any spelling of its name, is refused.
    private static void RefuseRepeatedProperties(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object || !typeInfo.Type.IsAssignableTo(typeof(RepeatCheckedJson)))
        {
            return;
        }

        for (var i = 0; i < typeInfo.Properties.Count; i++)
        {
            var property = typeInfo.Properties[i];
            if (property.Set is not { } set)
            {
                continue;
            }

            var bit = 1UL << i;
            property.Set = (target, value) =>
            {
                ((RepeatCheckedJson)target).MarkSet(bit, property.Name);
                set(target, value);
            };
        }
    }
}

/// <summary>The JSON repeats a property this library reads: well-formed, yet read two ways by two readers.</summary>
internal sealed class RepeatedPropertyException(string name)
    : JsonException($"The property '{name}' is repeated.");

/// <summary>A contract object that remembers which of its properties the JSON has set, so that a repeated one is refused.</summary>
internal abstract class RepeatCheckedJson
{
    private ulong _set;

    /// <summary>Notes that the property of <paramref name="bit"/> is set; throws when it already was.</summary>
    internal void MarkSet(ulong bit, string name)
    {
        if ((_set & bit) != 0)
        {
            throw new RepeatedPropertyException(name);
        }

        _set |= bit;
    }
}

/// <summary>A Stripe event's envelope: its id, type, time, mode and API version.</summary>
internal abstract class EventEnvelopeJson : StripeObjectJsonBase
{
    public string? Type { get; set; }

    public long? Created { get; set; }

    public bool? Livemode { get; set; }

    public string? ApiVersion { get; set; }
}

/// <summary>A Stripe event: its envelope, and the object it is about.</summary>
internal sealed class EventJson<T> : EventEnvelopeJson
    where T : class
{
    public DataJson<T>? Data { get; set; }
}

internal sealed class DataJson<T> : RepeatCheckedJson
    where T : class
{
    public T? Object { get; set; }
}

/// <summary>
/// The fields of a Checkout Session that <see cref="PaymentLinkCheckout"/> exposes. An event's object is read as one
/// before its <c>object</c> field is known; a field of another type then refuses the event only if it is a session.
/// </summary>
internal sealed class SessionJson : StripeObjectJsonBase
{
    public string? PaymentLink { get; set; }

    public string? ClientReferenceId { get; set; }

    public CustomerDetailsJson? CustomerDetails { get; set; }

    public long? AmountTotal { get; set; }

    public string? Currency { get; set; }

    public string? PaymentStatus { get; set; }

    public string? Status { get; set; }

    public string? Mode { get; set; }

    [JsonConverter(typeof(MetadataJsonConverter))]
    public Dictionary<string, string>? Metadata { get; set; }

    [JsonConverter(typeof(ExpandableIdJsonConverter))]
    public string? PaymentIntent { get; set; }

    [JsonConverter(typeof(ExpandableIdJsonConverter))]
    public string? Subscription { get; set; }

    public TotalDetailsJson? TotalDetails { get; set; }
}

internal sealed class CustomerDetailsJson : RepeatCheckedJson
{
    public string? Email { get; set; }
}

internal sealed class TotalDetailsJson : RepeatCheckedJson
{
    public long? AmountTax { get; set; }

    public long? AmountShipping { get; set; }
}

/// <summary>An event's object of any type, read for the name of its type alone (any JSON value there: not a session).</summary>
internal sealed class ObjectTypeJson
{
    public JsonElement Object { get; set; }

    public bool IsCheckoutSession() => Object.ValueKind == JsonValueKind.String && Object.ValueEquals("checkout.session"u8);
}

/// <summary>An expanded object where its id usually stands (catch-up may ask Stripe to expand one).</summary>
internal sealed class ExpandedObjectJson : StripeObjectJsonBase
{
}

/// <summary>
/// Reads an expandable field: its id, or the id inside the object when Stripe expanded it; any other value is refused.
/// </summary>
internal sealed class ExpandableIdJsonConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.StartObject => JsonSerializer.Deserialize(ref reader, StripeObjectContext.Default.ExpandedObjectJson)?.Id,
        _ => throw new JsonException("An expandable field holds neither an id nor an object."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Stripe's objects are read, never written.");
}

/// <summary>
/// Reads Stripe's metadata: string values only, and each key once (a repeated key is refused as a repeated property is);
/// <see langword="null"/> when it has no entry.
/// </summary>
internal sealed class MetadataJsonConverter : JsonConverter<Dictionary<string, string>?>
{
    public override Dictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Metadata is not an object.");
        }

        Dictionary<string, string>? metadata = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("A metadata value is not a string.");
            }

            metadata ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw new RepeatedPropertyException("metadata");
            }
        }

        return metadata;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Stripe's objects are read, never written.");
}

internal sealed class ChargeJson : StripeObjectJsonBase
{
    public long Amount { get; set; }

    public long AmountRefunded { get; set; }

    public bool Refunded { get; set; }

    public string? Currency { get; set; }

    public string? PaymentIntent { get; set; }

    public string? Invoice { get; set; }
}

/// <summary>Every Stripe object's id and the name of its type.</summary>
internal abstract class StripeObjectJsonBase : RepeatCheckedJson
{
    public string? Id { get; set; }

    public string? Object { get; set; }
}

/// <summary>The fields a refund and a dispute share: an amount of a charge's money, and its status.</summary>
internal abstract class ChargeAmountJson : StripeObjectJsonBase
{
    public long Amount { get; set; }

    public string? Charge { get; set; }

    public string? PaymentIntent { get; set; }

    public string? Currency { get; set; }

    public string? Status { get; set; }
}

internal sealed class RefundJson : ChargeAmountJson
{
    public long? Created { get; set; }
}

internal sealed class DisputeJson : ChargeAmountJson
{
}

internal sealed class InvoiceJson : StripeObjectJsonBase
{
    public long AmountPaid { get; set; }

    public string? Currency { get; set; }

    public string? BillingReason { get; set; }

    public string? Subscription { get; set; }

    public SubscriptionDetailsJson? SubscriptionDetails { get; set; }

    public ParentJson? Parent { get; set; }

    public StatusTransitionsJson? StatusTransitions { get; set; }

    public long? Tax { get; set; }

    public List<TaxAmountJson?>? TotalTaxes { get; set; }

    public string? PaymentIntent { get; set; }

    public string? Charge { get; set; }

    public InvoicePaymentListJson? Payments { get; set; }
}

internal sealed class ParentJson
{
    public SubscriptionDetailsJson? SubscriptionDetails { get; set; }
}

internal sealed class SubscriptionDetailsJson
{
    public string? Subscription { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }
}

internal sealed class StatusTransitionsJson
{
    public long? PaidAt { get; set; }
}

internal sealed class TaxAmountJson
{
    public long? Amount { get; set; }
}

internal sealed class InvoicePaymentListJson
{
    public List<InvoicePaymentJson?>? Data { get; set; }
}

internal sealed class InvoicePaymentJson : StripeObjectJsonBase
{
    public string? Invoice { get; set; }

    public long? AmountPaid { get; set; }

    public string? Currency { get; set; }

    public InvoicePaymentTargetJson? Payment { get; set; }

    public StatusTransitionsJson? StatusTransitions { get; set; }
}

internal sealed class InvoicePaymentTargetJson
{
    public string? Type { get; set; }

    public string? PaymentIntent { get; set; }

    public string? Charge { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    GenerationMode = JsonSourceGenerationMode.Metadata,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(EventJson<ChargeJson>))]
[JsonSerializable(typeof(EventJson<RefundJson>))]
[JsonSerializable(typeof(EventJson<DisputeJson>))]
[JsonSerializable(typeof(EventJson<InvoiceJson>))]
[JsonSerializable(typeof(EventJson<InvoicePaymentJson>))]
[JsonSerializable(typeof(EventJson<SessionJson>))]
[JsonSerializable(typeof(EventJson<ObjectTypeJson>))]
[JsonSerializable(typeof(ExpandedObjectJson))]
internal sealed partial class StripeObjectContext : JsonSerializerContext;
