namespace PaymentLinks.Tracking;

/// <summary>How a Checkout Session id reaches the thank-you page. Its shape is checked by <see cref="PaymentLinkRules.IsCheckoutSessionId"/>.</summary>
internal static class CheckoutSessionId
{
    /// <summary>The query parameter that carries the id to the thank-you page.</summary>
    public const string QueryName = "session_id";

    /// <summary>The placeholder Stripe replaces with the id when it redirects.</summary>
    public const string Placeholder = "{CHECKOUT_SESSION_ID}";
}
