using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PaymentLinks.Tracking;

/// <summary>
/// Reads the <c>data.object</c> of the charge, refund, dispute and invoice events with System.Text.Json's
/// source-generated contracts, holding only the fields the ledger needs; every other field is skipped. The
/// <c>checkout.session.*</c> events keep their own one-pass reader (<see cref="PaymentLinkEventReader"/>).
/// </summary>
internal static class StripeObjectJson
{
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
        unixSeconds is >= -62_135_596_800 and <= 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds.Value) : null;
}

internal sealed class EventJson<T>
    where T : class
{
    public DataJson<T>? Data { get; set; }
}

internal sealed class DataJson<T>
    where T : class
{
    public T? Object { get; set; }
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
internal abstract class StripeObjectJsonBase
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
internal sealed partial class StripeObjectContext : JsonSerializerContext;
