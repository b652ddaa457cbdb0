using System.Text.Json.Nodes;

namespace PaymentLinks.Tracking.Tests.StripeApi;

/// <summary>Stripe's real objects from Fixtures/, with fields set on a copy where a test needs them.</summary>
internal static class StripeFixtures
{
    public static JsonObject PaymentLink() => Load("payment_link.json");

    public static JsonObject OpenCheckoutSession() => Load("checkout_session.json");

    /// <summary>The fixture session, completed and paid through a payment link.</summary>
    public static JsonObject CompletedCheckoutSession()
    {
        var session = OpenCheckoutSession();
        session["status"] = "complete";
        session["payment_status"] = "paid";
        session["payment_link"] = "plink_1Pgc78B7WZ01zgkWC75kX0jg";
        session["client_reference_id"] = "order_4711";
        session["customer"] = "cus_QXwVt2kZLeNmJY";
        session["amount_total"] = 2000;
        session["currency"] = "usd";
        session["metadata"] = new JsonObject { ["campaign"] = "spring_sale" };
        return session;
    }

    private static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)))!.AsObject();
}
