using System.Text;
using System.Text.Unicode;

namespace PaymentLinks.Tracking;

/// <summary>
/// Reads the fields of a verified webhook payload in one forward pass with <see cref="JsonScanner"/>,
/// allocating only the strings it returns. Every other field is skipped, though still checked for
/// well-formedness.
/// </summary>
internal static class PaymentLinkEventReader
{
    private const long MinUnixSeconds = -62_135_596_800; // 0001-01-01, DateTimeOffset.MinValue
    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31, DateTimeOffset.MaxValue

    /// <summary>Reads an event from a payload whose signature has been verified.</summary>
    /// <param name="json">The payload, as received.</param>
    /// <param name="payloadText">The payload as a string when the caller has one, kept instead of a copy of <paramref name="json"/>.</param>
    /// <param name="paymentLinkEvent">The event, when the payload is one.</param>
    /// <returns><see cref="PaymentLinkWebhookRejection.None"/>, or why the payload is refused.</returns>
    public static PaymentLinkWebhookRejection Read(
        ReadOnlySpan<byte> json, string? payloadText, out PaymentLinkEvent? paymentLinkEvent)
    {
        paymentLinkEvent = null;

        // One vectorized pass: every string, read or skipped, is then valid UTF-8, as ToStripeEvent needs.
        if (!Utf8.IsValid(json))
        {
            return PaymentLinkWebhookRejection.MalformedJson;
        }

        var fields = default(EventFields);
        var scanner = new JsonScanner(json);
        try
        {
            ReadEnvelope(ref scanner, ref fields);
        }
        catch (InvalidOperationException)
        {
            // Decoding refuses escaped strings that decode to invalid UTF-16 (a lone "\ud800").
            return PaymentLinkWebhookRejection.MalformedJson;
        }

        // Anything but white space after the event is malformed too.
        if (!scanner.IsAtEnd())
        {
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

        var kind = KindOf(fields.Type);
        PaymentLinkCheckout? checkout = null;
        if (fields.IsCheckoutSession)
        {
            if (fields.Session.HasWrongShape || fields.Session.Id is null)
            {
                return PaymentLinkWebhookRejection.NotAnEvent;
            }

            ref var session = ref fields.Session;
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
                session.Metadata is null
                    ? PaymentLinkCheckout.NoMetadata
                    : new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(session.Metadata));
        }
        else if (kind != PaymentLinkEventKind.Ignored)
        {
            return PaymentLinkWebhookRejection.NotAnEvent;
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

    private static PaymentLinkEventKind KindOf(string type) => type switch
    {
        EventTypes.CheckoutCompleted => PaymentLinkEventKind.CheckoutCompleted,
        EventTypes.AsyncPaymentSucceeded => PaymentLinkEventKind.AsyncPaymentSucceeded,
        EventTypes.AsyncPaymentFailed => PaymentLinkEventKind.AsyncPaymentFailed,
        EventTypes.CheckoutExpired => PaymentLinkEventKind.CheckoutExpired,
        _ => PaymentLinkEventKind.Ignored,
    };

    private static void ReadEnvelope(ref JsonScanner json, ref EventFields fields)
    {
        if (!EnterObject(ref json, ref fields.HasWrongShape))
        {
            return;
        }

        var seen = 0;
        while (json.NextMember(out var name, out var nameIsEscaped))
        {
            switch (NameOf(name, nameIsEscaped))
            {
                case Name.Id:
                    Mark(ref seen, 1, ref fields.HasDuplicate);
                    fields.Id = ReadNullableString(ref json, ref fields.HasWrongShape);
                    break;
                case Name.Object:
                    Mark(ref seen, 2, ref fields.HasDuplicate);
                    fields.IsEvent = ReadIsText(ref json, "event"u8);
                    break;
                case Name.Type:
                    Mark(ref seen, 4, ref fields.HasDuplicate);
                    if (json.TryReadString(out var type, out var typeIsEscaped))
                    {
                        fields.Type = KnownEventType(type, typeIsEscaped) ?? JsonScanner.Decode(type, typeIsEscaped);
                    }
                    else
                    {
                        fields.HasWrongShape = true;
                        json.SkipValue();
                    }

                    break;
                case Name.Created:
                    Mark(ref seen, 8, ref fields.HasDuplicate);
                    if (!json.TryReadNumber(out var seconds, out var fitsInt64))
                    {
                        fields.HasWrongShape = true;
                        json.SkipValue();
                    }
                    else if (fitsInt64 && seconds is >= MinUnixSeconds and <= MaxUnixSeconds)
                    {
                        fields.Created = seconds;
                    }
                    else
                    {
                        fields.HasWrongShape = true;
                    }

                    break;
                case Name.Livemode:
                    Mark(ref seen, 16, ref fields.HasDuplicate);
                    if (json.TryReadBoolean(out var livemode))
                    {
                        fields.Livemode = livemode;
                    }
                    else
                    {
                        fields.HasWrongShape = true;
                        json.SkipValue();
                    }

                    break;
                case Name.ApiVersion:
                    Mark(ref seen, 32, ref fields.HasDuplicate);
                    fields.ApiVersion = ReadNullableString(ref json, ref fields.HasWrongShape);
                    break;
                case Name.Data:
                    Mark(ref seen, 64, ref fields.HasDuplicate);
                    if (EnterObject(ref json, ref fields.HasWrongShape))
                    {
                        ReadData(ref json, ref fields);
                    }

                    break;
                default:
                    json.SkipValue();
                    break;
            }
        }
    }

    private static void ReadData(ref JsonScanner json, ref EventFields fields)
    {
        var seen = 0;
        while (json.NextMember(out var name, out var nameIsEscaped))
        {
            switch (NameOf(name, nameIsEscaped))
            {
                case Name.Object:
                    Mark(ref seen, 1, ref fields.HasDuplicate);
                    if (EnterObject(ref json, ref fields.HasWrongShape))
                    {
                        fields.HasDataObject = true;
                        ReadObject(ref json, ref fields);
                    }

                    break;
                default:
                    json.SkipValue();
                    break;
            }
        }
    }

    // The event's type may come after its object, so the object is read as a Checkout Session until its
    // own "object" field says otherwise; shape errors count only if it is one.
    private static void ReadObject(ref JsonScanner json, ref EventFields fields)
    {
        ref var session = ref fields.Session;
        var seen = 0;
        while (json.NextMember(out var name, out var nameIsEscaped))
        {
            switch (NameOf(name, nameIsEscaped))
            {
                case Name.Object:
                    Mark(ref seen, 1, ref fields.HasDuplicate);
                    fields.IsCheckoutSession = ReadIsText(ref json, "checkout.session"u8);
                    break;
                case Name.Id:
                    Mark(ref seen, 2, ref fields.HasDuplicate);
                    session.Id = ReadNullableString(ref json, ref session.HasWrongShape);
                    break;
                case Name.PaymentLink:
                    Mark(ref seen, 4, ref fields.HasDuplicate);
                    session.PaymentLinkId = ReadNullableString(ref json, ref session.HasWrongShape);
                    break;
                case Name.ClientReferenceId:
                    Mark(ref seen, 8, ref fields.HasDuplicate);
                    session.ClientReferenceId = ReadNullableString(ref json, ref session.HasWrongShape);
                    break;
                case Name.CustomerDetails:
                    Mark(ref seen, 16, ref fields.HasDuplicate);
                    if (EnterObject(ref json, ref session.HasWrongShape, nullAllowed: true))
                    {
                        ReadCustomerDetails(ref json, ref fields);
                    }

                    break;
                case Name.AmountTotal:
                    Mark(ref seen, 32, ref fields.HasDuplicate);
                    if (json.TryReadNumber(out var amount, out var fitsInt64))
                    {
                        session.AmountTotal = fitsInt64 ? amount : null;
                        session.HasWrongShape |= !fitsInt64;
                    }
                    else if (!json.TryReadNull())
                    {
                        session.HasWrongShape = true;
                        json.SkipValue();
                    }

                    break;
                case Name.Currency:
                    Mark(ref seen, 64, ref fields.HasDuplicate);
                    session.Currency = ReadNullableString(ref json, ref session.HasWrongShape, shareKnownValues: true);
                    break;
                case Name.PaymentStatus:
                    Mark(ref seen, 128, ref fields.HasDuplicate);
                    session.PaymentStatus = ReadPaymentStatus(ref json, ref session.HasWrongShape);
                    break;
                case Name.Status:
                    Mark(ref seen, 256, ref fields.HasDuplicate);
                    session.Status = ReadNullableString(ref json, ref session.HasWrongShape, shareKnownValues: true);
                    break;
                case Name.Mode:
                    Mark(ref seen, 512, ref fields.HasDuplicate);
                    session.Mode = ReadNullableString(ref json, ref session.HasWrongShape, shareKnownValues: true);
                    break;
                case Name.Metadata:
                    Mark(ref seen, 1024, ref fields.HasDuplicate);
                    if (EnterObject(ref json, ref session.HasWrongShape, nullAllowed: true))
                    {
                        ReadMetadata(ref json, ref fields);
                    }

                    break;
                default:
                    json.SkipValue();
                    break;
            }
        }
    }

    private static void ReadCustomerDetails(ref JsonScanner json, ref EventFields fields)
    {
        var seen = 0;
        while (json.NextMember(out var name, out var nameIsEscaped))
        {
            switch (NameOf(name, nameIsEscaped))
            {
                case Name.Email:
                    Mark(ref seen, 1, ref fields.HasDuplicate);
                    fields.Session.CustomerEmail = ReadNullableString(ref json, ref fields.Session.HasWrongShape);
                    break;
                default:
                    json.SkipValue();
                    break;
            }
        }
    }

    private static void ReadMetadata(ref JsonScanner json, ref EventFields fields)
    {
        Dictionary<string, string>? metadata = null;
        while (json.NextMember(out var name, out var nameIsEscaped))
        {
            var key = JsonScanner.Decode(name, nameIsEscaped);
            if (json.TryReadString(out var value, out var valueIsEscaped))
            {
                metadata ??= new Dictionary<string, string>(StringComparer.Ordinal);
                if (!metadata.TryAdd(key, JsonScanner.Decode(value, valueIsEscaped)))
                {
                    fields.HasDuplicate = true;
                }
            }
            else
            {
                // Stripe's metadata values are always strings.
                fields.Session.HasWrongShape = true;
                json.SkipValue();
            }
        }

        fields.Session.Metadata = metadata;
    }

    // Enters a field's value when it is an object to read. Anything else is skipped and makes the shape wrong,
    // except null where null is allowed.
    private static bool EnterObject(ref JsonScanner json, ref bool hasWrongShape, bool nullAllowed = false)
    {
        if (json.TryEnterObject())
        {
            return true;
        }

        if (!nullAllowed || !json.TryReadNull())
        {
            hasWrongShape = true;
            json.SkipValue();
        }

        return false;
    }

    // Whether a field's value is the given string; any other value is skipped.
    private static bool ReadIsText(ref JsonScanner json, ReadOnlySpan<byte> text)
    {
        if (json.TryReadString(out var value, out var isEscaped))
        {
            return JsonScanner.TextEquals(value, isEscaped, text);
        }

        json.SkipValue();
        return false;
    }

    private static string? ReadNullableString(ref JsonScanner json, ref bool hasWrongShape, bool shareKnownValues = false)
    {
        if (json.TryReadString(out var value, out var isEscaped))
        {
            return (shareKnownValues && !isEscaped ? KnownValue(value) : null) ?? JsonScanner.Decode(value, isEscaped);
        }

        if (!json.TryReadNull())
        {
            hasWrongShape = true;
            json.SkipValue();
        }

        return null;
    }

    private static CheckoutPaymentStatus ReadPaymentStatus(ref JsonScanner json, ref bool hasWrongShape)
    {
        if (json.TryReadString(out var value, out var isEscaped))
        {
            return JsonScanner.TextEquals(value, isEscaped, "paid"u8) ? CheckoutPaymentStatus.Paid
                : JsonScanner.TextEquals(value, isEscaped, "unpaid"u8) ? CheckoutPaymentStatus.Unpaid
                : JsonScanner.TextEquals(value, isEscaped, "no_payment_required"u8) ? CheckoutPaymentStatus.NoPaymentRequired
                : CheckoutPaymentStatus.Unknown;
        }

        if (!json.TryReadNull())
        {
            hasWrongShape = true;
            json.SkipValue();
        }

        return CheckoutPaymentStatus.Unknown;
    }

    private static Name NameOf(ReadOnlySpan<byte> name, bool isEscaped)
    {
        if (!isEscaped)
        {
            return Match(name);
        }

        // An escaped name ("\u0069d") still names its field. Escapes only lengthen a name, so one this long is none of ours.
        return name.Length > 128 ? Name.Other : Match(Encoding.UTF8.GetBytes(JsonScanner.Decode(name, isEscaped)));
    }

    // Dispatching on the length first keeps the many fields this reader skips to one comparison or none.
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
        _ => Name.Other,
    };

    private static void Mark(ref int seen, int field, ref bool hasDuplicate)
    {
        // A repeated field would let this reader and a later full deserialisation see different values.
        if ((seen & field) != 0)
        {
            hasDuplicate = true;
        }

        seen |= field;
    }

    private static string? KnownEventType(ReadOnlySpan<byte> type, bool isEscaped) =>
        isEscaped ? null
        : type.SequenceEqual("checkout.session.completed"u8) ? EventTypes.CheckoutCompleted
        : type.SequenceEqual("checkout.session.async_payment_succeeded"u8) ? EventTypes.AsyncPaymentSucceeded
        : type.SequenceEqual("checkout.session.async_payment_failed"u8) ? EventTypes.AsyncPaymentFailed
        : type.SequenceEqual("checkout.session.expired"u8) ? EventTypes.CheckoutExpired
        : null;

    // The few values every session repeats are shared rather than allocated per event.
    private static string? KnownValue(ReadOnlySpan<byte> value) =>
        value.Length > 12 ? null
        : value.SequenceEqual("complete"u8) ? "complete"
        : value.SequenceEqual("open"u8) ? "open"
        : value.SequenceEqual("expired"u8) ? "expired"
        : value.SequenceEqual("payment"u8) ? "payment"
        : value.SequenceEqual("subscription"u8) ? "subscription"
        : value.SequenceEqual("setup"u8) ? "setup"
        : value.SequenceEqual("usd"u8) ? "usd"
        : value.SequenceEqual("eur"u8) ? "eur"
        : null;

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
    }

    private static class EventTypes
    {
        public const string CheckoutCompleted = "checkout.session.completed";
        public const string AsyncPaymentSucceeded = "checkout.session.async_payment_succeeded";
        public const string AsyncPaymentFailed = "checkout.session.async_payment_failed";
        public const string CheckoutExpired = "checkout.session.expired";
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
