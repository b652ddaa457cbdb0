using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Unicode;

namespace PaymentLinks.Tracking;

/// <summary>
/// Reads a Stripe event from UTF-8 JSON in one forward pass with <see cref="Utf8JsonReader"/>, allocating only the
/// strings it returns. Every other field is skipped, though still checked for well-formedness. It checks no signature:
/// the parser calls it once a webhook's signature is verified, and events from any other trusted source of Stripe's
/// JSON take the same path.
/// </summary>
internal static class PaymentLinkEventReader
{
    private const long MinUnixSeconds = -62_135_596_800; // 0001-01-01, DateTimeOffset.MinValue
    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31, DateTimeOffset.MaxValue

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

        var fields = default(EventFields);
        try
        {
            var reader = new Utf8JsonReader(json, Strict);
            ReadEnvelope(ref reader, ref fields);

            // Anything but white space after the event makes the reader throw.
            reader.Read();
        }
        catch (JsonException)
        {
            return PaymentLinkWebhookRejection.MalformedJson;
        }
        catch (InvalidOperationException)
        {
            // Reading a string refuses one whose escapes decode to invalid UTF-16 (a lone "\ud800").
            return PaymentLinkWebhookRejection.MalformedJson;
        }

        if (fields.HasDuplicate)
        {
            return PaymentLinkWebhookRejection.MalformedJson;
        }

        if (fields.HasWrongShape
            || !fields.IsEvent
            || string.IsNullOrEmpty(fields.Id)
            || fields.Type is null
            || fields.Created is not { } created
            || fields.Livemode is not { } livemode
            || !fields.HasDataObject)
        {
            return PaymentLinkWebhookRejection.NotAnEvent;
        }

        var kind = PaymentLinkEvent.KindOf(fields.Type);
        PaymentLinkCheckout? checkout = null;
        if (fields.IsCheckoutSession)
        {
            ref var session = ref fields.Session;
            if (session.HasWrongShape || session.Id is null)
            {
                return PaymentLinkWebhookRejection.NotAnEvent;
            }

            checkout = new PaymentLinkCheckout(
                session.Id,
                session.PaymentLinkId,
                session.ClientReferenceId,
                session.CustomerEmail,
                session.AmountTotal,
                session.Currency,
                session.PaymentStatus,
                session.Status,
                session.Mode,
                session.Metadata is null ? PaymentLinkCheckout.NoMetadata : new ReadOnlyDictionary<string, string>(session.Metadata),
                session.PaymentIntentId,
                session.SubscriptionId,
                session.AmountTax,
                session.AmountShipping);
        }
        else if (kind is PaymentLinkEventKind.CheckoutCompleted or PaymentLinkEventKind.AsyncPaymentSucceeded
            or PaymentLinkEventKind.AsyncPaymentFailed or PaymentLinkEventKind.CheckoutExpired)
        {
            return PaymentLinkWebhookRejection.NotAnEvent;
        }
        else if (kind != PaymentLinkEventKind.Ignored)
        {
            // The charge, refund, dispute and invoice events: their object is read with the source-generated contracts.
            var rejection = StripeObjectJson.Read(json, kind, out var charge, out var refund, out var dispute, out var invoice);
            if (rejection != PaymentLinkWebhookRejection.None)
            {
                return rejection;
            }

            paymentLinkEvent = new PaymentLinkEvent(
                fields.Id,
                fields.Type,
                kind,
                DateTimeOffset.FromUnixTimeSeconds(created),
                livemode,
                fields.ApiVersion,
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
            fields.Id,
            fields.Type,
            kind,
            DateTimeOffset.FromUnixTimeSeconds(created),
            livemode,
            fields.ApiVersion,
            checkout,
            payloadText,
            payloadText is null ? CopyOf(json) : null);
        return PaymentLinkWebhookRejection.None;
    }

    // The caller's bytes are kept for ToStripeEvent. Every byte is overwritten, so the array need not be zeroed first.
    private static byte[] CopyOf(ReadOnlySpan<byte> json)
    {
        var copy = GC.AllocateUninitializedArray<byte>(json.Length);
        json.CopyTo(copy);
        return copy;
    }

    private static void ReadEnvelope(ref Utf8JsonReader reader, ref EventFields fields)
    {
        if (!EnterObject(ref reader, ref fields.HasWrongShape))
        {
            return;
        }

        var seen = 0;
        while (NextProperty(ref reader))
        {
            switch (NameOf(ref reader))
            {
                case Name.Id:
                    Mark(ref seen, Name.Id, ref fields.HasDuplicate);
                    fields.Id = ReadNullableString(ref reader, ref fields.HasWrongShape);
                    break;
                case Name.Object:
                    Mark(ref seen, Name.Object, ref fields.HasDuplicate);
                    fields.IsEvent = ReadIsText(ref reader, "event"u8);
                    break;
                case Name.Type:
                    Mark(ref seen, Name.Type, ref fields.HasDuplicate);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        fields.Type = reader.GetString();
                    }
                    else
                    {
                        fields.HasWrongShape = true;
                        reader.Skip();
                    }

                    break;
                case Name.Created:
                    Mark(ref seen, Name.Created, ref fields.HasDuplicate);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number
                        && reader.TryGetInt64(out var seconds)
                        && seconds is >= MinUnixSeconds and <= MaxUnixSeconds)
                    {
                        fields.Created = seconds;
                    }
                    else
                    {
                        fields.HasWrongShape = true;
                        reader.Skip();
                    }

                    break;
                case Name.Livemode:
                    Mark(ref seen, Name.Livemode, ref fields.HasDuplicate);
                    reader.Read();
                    if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        fields.Livemode = reader.GetBoolean();
                    }
                    else
                    {
                        fields.HasWrongShape = true;
                        reader.Skip();
                    }

                    break;
                case Name.ApiVersion:
                    Mark(ref seen, Name.ApiVersion, ref fields.HasDuplicate);
                    fields.ApiVersion = ReadNullableString(ref reader, ref fields.HasWrongShape);
                    break;
                case Name.Data:
                    Mark(ref seen, Name.Data, ref fields.HasDuplicate);
                    if (EnterObject(ref reader, ref fields.HasWrongShape))
                    {
                        ReadData(ref reader, ref fields);
                    }

                    break;
                default:
                    SkipValue(ref reader);
                    break;
            }
        }
    }

    private static void ReadData(ref Utf8JsonReader reader, ref EventFields fields)
    {
        var seen = 0;
        while (NextPropertyNamed(ref reader, Name.Object, ref seen, ref fields.HasDuplicate))
        {
            if (EnterObject(ref reader, ref fields.HasWrongShape))
            {
                fields.HasDataObject = true;
                ReadObject(ref reader, ref fields);
            }
        }
    }

    // The event's type may come after its object, so the object is read as a Checkout Session until its
    // own "object" field says otherwise; shape errors count only if it is one.
    private static void ReadObject(ref Utf8JsonReader reader, ref EventFields fields)
    {
        ref var session = ref fields.Session;
        var seen = 0;
        while (NextProperty(ref reader))
        {
            switch (NameOf(ref reader))
            {
                case Name.Object:
                    Mark(ref seen, Name.Object, ref fields.HasDuplicate);
                    fields.IsCheckoutSession = ReadIsText(ref reader, "checkout.session"u8);
                    break;
                case Name.Id:
                    Mark(ref seen, Name.Id, ref fields.HasDuplicate);
                    session.Id = ReadNullableString(ref reader, ref session.HasWrongShape);
                    break;
                case Name.PaymentLink:
                    Mark(ref seen, Name.PaymentLink, ref fields.HasDuplicate);
                    session.PaymentLinkId = ReadNullableString(ref reader, ref session.HasWrongShape);
                    break;
                case Name.ClientReferenceId:
                    Mark(ref seen, Name.ClientReferenceId, ref fields.HasDuplicate);
                    session.ClientReferenceId = ReadNullableString(ref reader, ref session.HasWrongShape);
                    break;
                case Name.CustomerDetails:
                    Mark(ref seen, Name.CustomerDetails, ref fields.HasDuplicate);
                    if (EnterObject(ref reader, ref session.HasWrongShape, nullAllowed: true))
                    {
                        ReadCustomerDetails(ref reader, ref fields);
                    }

                    break;
                case Name.AmountTotal:
                    Mark(ref seen, Name.AmountTotal, ref fields.HasDuplicate);
                    session.AmountTotal = ReadNullableInt64(ref reader, ref session.HasWrongShape);
                    break;
                case Name.Currency:
                    Mark(ref seen, Name.Currency, ref fields.HasDuplicate);
                    session.Currency = ReadNullableString(ref reader, ref session.HasWrongShape);
                    break;
                case Name.PaymentStatus:
                    Mark(ref seen, Name.PaymentStatus, ref fields.HasDuplicate);
                    session.PaymentStatus = ReadPaymentStatus(ref reader, ref session.HasWrongShape);
                    break;
                case Name.Status:
                    Mark(ref seen, Name.Status, ref fields.HasDuplicate);
                    session.Status = ReadNullableString(ref reader, ref session.HasWrongShape);
                    break;
                case Name.Mode:
                    Mark(ref seen, Name.Mode, ref fields.HasDuplicate);
                    session.Mode = ReadNullableString(ref reader, ref session.HasWrongShape);
                    break;
                case Name.Metadata:
                    Mark(ref seen, Name.Metadata, ref fields.HasDuplicate);
                    if (EnterObject(ref reader, ref session.HasWrongShape, nullAllowed: true))
                    {
                        ReadMetadata(ref reader, ref fields);
                    }

                    break;
                case Name.PaymentIntent:
                    Mark(ref seen, Name.PaymentIntent, ref fields.HasDuplicate);
                    session.PaymentIntentId = ReadIdOrObject(ref reader, ref session.HasWrongShape);
                    break;
                case Name.Subscription:
                    Mark(ref seen, Name.Subscription, ref fields.HasDuplicate);
                    session.SubscriptionId = ReadIdOrObject(ref reader, ref session.HasWrongShape);
                    break;
                case Name.TotalDetails:
                    Mark(ref seen, Name.TotalDetails, ref fields.HasDuplicate);
                    if (EnterObject(ref reader, ref session.HasWrongShape, nullAllowed: true))
                    {
                        ReadTotalDetails(ref reader, ref fields);
                    }

                    break;
                default:
                    SkipValue(ref reader);
                    break;
            }
        }
    }

    private static void ReadCustomerDetails(ref Utf8JsonReader reader, ref EventFields fields)
    {
        var seen = 0;
        while (NextPropertyNamed(ref reader, Name.Email, ref seen, ref fields.HasDuplicate))
        {
            fields.Session.CustomerEmail = ReadNullableString(ref reader, ref fields.Session.HasWrongShape);
        }
    }

    private static void ReadTotalDetails(ref Utf8JsonReader reader, ref EventFields fields)
    {
        var seen = 0;
        while (NextProperty(ref reader))
        {
            switch (NameOf(ref reader))
            {
                case Name.AmountTax:
                    Mark(ref seen, Name.AmountTax, ref fields.HasDuplicate);
                    fields.Session.AmountTax = ReadNullableInt64(ref reader, ref fields.Session.HasWrongShape);
                    break;
                case Name.AmountShipping:
                    Mark(ref seen, Name.AmountShipping, ref fields.HasDuplicate);
                    fields.Session.AmountShipping = ReadNullableInt64(ref reader, ref fields.Session.HasWrongShape);
                    break;
                default:
                    SkipValue(ref reader);
                    break;
            }
        }
    }

    // An expandable field: its id, or the id inside the object when it was expanded (catch-up may ask for that).
    private static string? ReadIdOrObject(ref Utf8JsonReader reader, ref bool hasWrongShape)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                string? id = null;
                while (NextProperty(ref reader))
                {
                    if (NameOf(ref reader) == Name.Id && id is null)
                    {
                        id = ReadNullableString(ref reader, ref hasWrongShape);
                    }
                    else
                    {
                        SkipValue(ref reader);
                    }
                }

                return id;
            default:
                hasWrongShape = true;
                reader.Skip();
                return null;
        }
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, ref EventFields fields)
    {
        Dictionary<string, string>? metadata = null;
        while (NextProperty(ref reader))
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                metadata ??= new Dictionary<string, string>(StringComparer.Ordinal);
                fields.HasDuplicate |= !metadata.TryAdd(key, reader.GetString()!);
            }
            else
            {
                // Stripe's metadata values are always strings.
                fields.Session.HasWrongShape = true;
                reader.Skip();
            }
        }

        fields.Session.Metadata = metadata;
    }

    // Moves to the next property of the object being read: false at its end.
    private static bool NextProperty(ref Utf8JsonReader reader) =>
        reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    // Moves to the next property called `wanted` in an object where only that one is read, skipping every other; false
    // at the object's end. A second one marks the event as holding a duplicate.
    private static bool NextPropertyNamed(ref Utf8JsonReader reader, Name wanted, ref int seen, ref bool hasDuplicate)
    {
        while (NextProperty(ref reader))
        {
            if (NameOf(ref reader) == wanted)
            {
                Mark(ref seen, wanted, ref hasDuplicate);
                return true;
            }

            SkipValue(ref reader);
        }

        return false;
    }

    // Moves to a property's value: true when it is an object to read. Anything else is skipped and makes the shape
    // wrong, except null where null is allowed.
    private static bool EnterObject(ref Utf8JsonReader reader, ref bool hasWrongShape, bool nullAllowed = false)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        if (!nullAllowed || reader.TokenType != JsonTokenType.Null)
        {
            hasWrongShape = true;
            reader.Skip();
        }

        return false;
    }

    // Skips the value of a property this reader does not read.
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    // Whether a property's value is the given string; any other value is skipped.
    private static bool ReadIsText(ref Utf8JsonReader reader, ReadOnlySpan<byte> text)
    {
        reader.Read();
        var isText = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(text);
        reader.Skip();
        return isText;
    }

    private static string? ReadNullableString(ref Utf8JsonReader reader, ref bool hasWrongShape)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            default:
                hasWrongShape = true;
                reader.Skip();
                return null;
        }
    }

    private static long? ReadNullableInt64(ref Utf8JsonReader reader, ref bool hasWrongShape)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetInt64(out var value):
                return value;
            case JsonTokenType.Null:
                return null;
            default:
                hasWrongShape = true;
                reader.Skip();
                return null;
        }
    }

    private static CheckoutPaymentStatus ReadPaymentStatus(ref Utf8JsonReader reader, ref bool hasWrongShape)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            // Escapes only lengthen a string, so a longer one is none of the known statuses.
            case JsonTokenType.String when reader.ValueSpan.Length <= 4 * CheckoutPaymentStatusText.MaxLength:
                Span<char> text = stackalloc char[4 * CheckoutPaymentStatusText.MaxLength];
                return CheckoutPaymentStatusText.Parse(text[..reader.CopyString(text)]);
            case JsonTokenType.String or JsonTokenType.Null:
                return CheckoutPaymentStatus.Unknown;
            default:
                hasWrongShape = true;
                reader.Skip();
                return CheckoutPaymentStatus.Unknown;
        }
    }

    private static Name NameOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Match(reader.ValueSpan);
        }

        // An escaped name ("\u0069d") still names its property. Escapes only lengthen a name, so one this long is none of ours.
        if (reader.ValueSpan.Length > 128)
        {
            return Name.Other;
        }

        Span<byte> unescaped = stackalloc byte[128];
        return Match(unescaped[..reader.CopyString(unescaped)]);
    }

    // Dispatching on the length first keeps the many properties this reader skips to one comparison or none.
    private static Name Match(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => Name.Id,
        4 when name.SequenceEqual("type"u8) => Name.Type,
        4 when name.SequenceEqual("data"u8) => Name.Data,
        4 when name.SequenceEqual("mode"u8) => Name.Mode,
        5 when name.SequenceEqual("email"u8) => Name.Email,
        6 when name.SequenceEqual("object"u8) => Name.Object,
        6 when name.SequenceEqual("status"u8) => Name.Status,
        7 when name.SequenceEqual("created"u8) => Name.Created,
        8 when name.SequenceEqual("livemode"u8) => Name.Livemode,
        8 when name.SequenceEqual("currency"u8) => Name.Currency,
        8 when name.SequenceEqual("metadata"u8) => Name.Metadata,
        11 when name.SequenceEqual("api_version"u8) => Name.ApiVersion,
        12 when name.SequenceEqual("payment_link"u8) => Name.PaymentLink,
        12 when name.SequenceEqual("amount_total"u8) => Name.AmountTotal,
        14 when name.SequenceEqual("payment_status"u8) => Name.PaymentStatus,
        16 when name.SequenceEqual("customer_details"u8) => Name.CustomerDetails,
        19 when name.SequenceEqual("client_reference_id"u8) => Name.ClientReferenceId,
        14 when name.SequenceEqual("payment_intent"u8) => Name.PaymentIntent,
        12 when name.SequenceEqual("subscription"u8) => Name.Subscription,
        13 when name.SequenceEqual("total_details"u8) => Name.TotalDetails,
        10 when name.SequenceEqual("amount_tax"u8) => Name.AmountTax,
        15 when name.SequenceEqual("amount_shipping"u8) => Name.AmountShipping,
        _ => Name.Other,
    };

    // Notes a property of the object being read; a repeated one would let this reader and a later full
    // deserialisation see different values.
    private static void Mark(ref int seen, Name name, ref bool hasDuplicate)
    {
        var bit = 1 << (int)name;
        hasDuplicate |= (seen & bit) != 0;
        seen |= bit;
    }

    private enum Name
    {
        Other,
        Id,
        Object,
        Type,
        Created,
        Livemode,
        ApiVersion,
        Data,
        PaymentLink,
        ClientReferenceId,
        CustomerDetails,
        AmountTotal,
        Currency,
        PaymentStatus,
        Status,
        Mode,
        Metadata,
        Email,
        PaymentIntent,
        Subscription,
        TotalDetails,
        AmountTax,
        AmountShipping,
    }

    private struct SessionFields
    {
        public bool HasWrongShape;
        public string? Id;
        public string? PaymentLinkId;
        public string? ClientReferenceId;
        public string? CustomerEmail;
        public long? AmountTotal;
        public string? Currency;
        public CheckoutPaymentStatus PaymentStatus;
        public string? Status;
        public string? Mode;
        public Dictionary<string, string>? Metadata;
        public string? PaymentIntentId;
        public string? SubscriptionId;
        public long? AmountTax;
        public long? AmountShipping;
    }

    private struct EventFields
    {
        public bool HasDuplicate;
        public bool HasWrongShape;
        public bool IsEvent;
        public string? Id;
        public string? Type;
        public long? Created;
        public bool? Livemode;
        public string? ApiVersion;
        public bool HasDataObject;
        public bool IsCheckoutSession;
        public SessionFields Session;
    }
}
