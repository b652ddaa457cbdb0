namespace PaymentLinks.Tracking;

/// <summary>
/// Thrown by <see cref="PaymentLinkWebhookParser"/>'s <c>Parse</c> methods when a webhook request is
/// refused. The message never contains a signing secret or a signature.
/// </summary>
public sealed class PaymentLinkWebhookException : Exception
{
    /// <summary>Creates an exception for a refused request.</summary>
    /// <param name="reason">Why the request was refused.</param>
    public PaymentLinkWebhookException(PaymentLinkWebhookRejection reason)
        : base(Describe(reason))
    {
        Reason = reason;
    }

    /// <summary>Gets why the request was refused.</summary>
    public PaymentLinkWebhookRejection Reason { get; }

    // The one text for each reason, shared with PaymentLinkWebhookResult.RejectionMessage.
    internal static string Describe(PaymentLinkWebhookRejection reason) => reason switch
    {
        PaymentLinkWebhookRejection.MissingHeader =>
            "The webhook request has no Stripe-Signature header.",
        PaymentLinkWebhookRejection.MalformedHeader =>
            "The Stripe-Signature header is not of the form t=<unix seconds>,v1=<signature>.",
        PaymentLinkWebhookRejection.NoMatchingSignature =>
            "No v1 signature in the Stripe-Signature header matches the payload for any configured signing secret. " +
            "Check the endpoint's signing secret, and pass the body exactly as received.",
        PaymentLinkWebhookRejection.TimestampOutsideTolerance =>
            "The Stripe-Signature timestamp is further from the current time than the configured tolerance: " +
            "the request may be a replay, or a clock is wrong.",
        PaymentLinkWebhookRejection.PayloadTooLarge =>
            "The webhook payload is larger than PaymentLinkWebhookOptions.MaxPayloadBytes.",
        PaymentLinkWebhookRejection.MalformedJson =>
            "The signed webhook payload is not well-formed UTF-8 JSON, or repeats a property.",
        PaymentLinkWebhookRejection.NotAnEvent =>
            "The signed webhook payload is not a Stripe event with a well-formed Checkout Session where one is expected.",
        _ => "The webhook request was refused.",
    };
}
