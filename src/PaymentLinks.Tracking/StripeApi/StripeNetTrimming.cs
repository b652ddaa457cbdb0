namespace PaymentLinks.Tracking;

/// <summary>Why the Stripe API services are not trim- or AOT-safe, for their <c>Requires...</c> attributes.</summary>
internal static class StripeNetTrimming
{
    public const string Message =
        "Stripe.net serialises its requests and answers with Newtonsoft.Json through reflection, which trimming and " +
        "native AOT do not preserve. The rest of PaymentLinks.Tracking is trim- and AOT-safe.";
}
