using System.Text.Json.Nodes;
using PaymentLinks.Tracking.Tests.Ledger;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>
/// Charge, refund, dispute and invoice events made from the fixtures' real Stripe objects, with the fields a test sets,
/// signed, then verified and read by the parser as a webhook is.
/// </summary>
internal static class MoneyEvents
{
    private static readonly PaymentLinkWebhookParser Parser = SignedWebhooks.Parser();

    /// <summary>The API version from which charges no longer name their invoice and invoices name their parent.</summary>
    public const string Basil = "2025-03-31.basil";

    /// <summary>An API version before it, with <c>charge.invoice</c> and <c>invoice.subscription</c>.</summary>
    public const string Acacia = "2024-09-30.acacia";

    public static JsonObject Charge(string chargeId, string? paymentIntent, long amount, long refunded, string currency = "usd", string? invoice = null)
    {
        var charge = SignedWebhooks.Fixture("charge.json");
        charge["id"] = chargeId;
        charge["payment_intent"] = paymentIntent;
        charge["amount"] = amount;
        charge["amount_captured"] = amount;
        charge["amount_refunded"] = refunded;
        charge["refunded"] = refunded == amount;
        charge["currency"] = currency;
        if (invoice is not null)
        {
            charge["invoice"] = invoice;
        }

        return charge;
    }

    public static JsonObject Dispute(string disputeId, string chargeId, string? paymentIntent, long amount, string status, string currency = "usd")
    {
        var dispute = SignedWebhooks.Fixture("dispute.json");
        dispute["id"] = disputeId;
        dispute["charge"] = chargeId;
        dispute["payment_intent"] = paymentIntent;
        dispute["amount"] = amount;
        dispute["status"] = status;
        dispute["currency"] = currency;
        return dispute;
    }

    public static JsonObject Refund(
        string refundId, string chargeId, string? paymentIntent, long amount, string status, string currency = "usd", DateTimeOffset? created = null)
    {
        var refund = SignedWebhooks.Fixture("refund.json");
        refund["id"] = refundId;
        refund["charge"] = chargeId;
        refund["payment_intent"] = paymentIntent;
        refund["amount"] = amount;
        refund["status"] = status;
        refund["currency"] = currency;
        if (created is { } time)
        {
            refund["created"] = time.ToUnixTimeSeconds();
        }

        return refund;
    }

    /// <summary>An invoice in the shape of API versions from 2025-03-31: parent.subscription_details, payments, total_taxes.</summary>
    public static JsonObject Invoice(
        string invoiceId, string subscriptionId, string billingReason, long amountPaid, long tax, DateTimeOffset paidAt,
        string? paymentIntent, JsonObject? metadata = null, string currency = "usd")
    {
        var invoice = SignedWebhooks.Fixture("invoice.json");
        invoice["id"] = invoiceId;
        invoice["billing_reason"] = billingReason;
        invoice["amount_paid"] = amountPaid;
        invoice["amount_due"] = amountPaid;
        invoice["currency"] = currency;
        invoice["parent"]!["subscription_details"]!["subscription"] = subscriptionId;
        invoice["parent"]!["subscription_details"]!["metadata"] = metadata?.DeepClone() ?? new JsonObject();
        invoice["total_taxes"]![0]!["amount"] = tax;
        invoice["status_transitions"]!["paid_at"] = paidAt.ToUnixTimeSeconds();
        var payment = invoice["payments"]!["data"]![0]!;
        payment["invoice"] = invoiceId;
        payment["payment"]!["payment_intent"] = paymentIntent;
        if (paymentIntent is null)
        {
            invoice["payments"]!["data"] = new JsonArray();
        }

        return invoice;
    }

    /// <summary>An invoice in the shape of API versions before 2025-03-31: subscription, subscription_details, payment_intent, charge, tax.</summary>
    public static JsonObject LegacyInvoice(
        string invoiceId, string subscriptionId, string billingReason, long amountPaid, long tax, DateTimeOffset paidAt,
        string? paymentIntent, string? chargeId, JsonObject? metadata = null, string currency = "usd")
    {
        var invoice = SignedWebhooks.Fixture("invoice_legacy.json");
        invoice["id"] = invoiceId;
        invoice["billing_reason"] = billingReason;
        invoice["amount_paid"] = amountPaid;
        invoice["amount_due"] = amountPaid;
        invoice["currency"] = currency;
        invoice["subscription"] = subscriptionId;
        invoice["subscription_details"]!["metadata"] = metadata?.DeepClone() ?? new JsonObject();
        invoice["tax"] = tax;
        invoice["payment_intent"] = paymentIntent;
        invoice["charge"] = chargeId;
        invoice["status_transitions"]!["paid_at"] = paidAt.ToUnixTimeSeconds();
        return invoice;
    }

    public static JsonObject InvoicePayment(string invoiceId, string paymentIntent, long amountPaid)
    {
        var payment = SignedWebhooks.Fixture("invoice_payment.json");
        payment["invoice"] = invoiceId;
        payment["payment"]!["payment_intent"] = paymentIntent;
        payment["amount_paid"] = amountPaid;
        return payment;
    }

    /// <summary>Signs an event around <paramref name="dataObject"/> and reads it as the webhook endpoint does.</summary>
    public static PaymentLinkEvent Read(string type, JsonNode dataObject, DateTimeOffset created, bool livemode = false, string apiVersion = Basil, string? eventId = null)
    {
        var body = SignedWebhooks.Body(SignedWebhooks.Envelope(type, dataObject, eventId ?? CheckoutEvents.NewEventId(), created.ToUnixTimeSeconds(), livemode, apiVersion));
        return Parser.Parse(body, SignedWebhooks.Header(body));
    }
}
