using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// A visit to the thank-you page, as <see cref="PaymentLinkThankYouOptions.Page"/> receives it: the page's session and
/// UTM codes, what was recorded, and the conversion Stripe confirmed. Construct one yourself to test your page.
/// </summary>
public sealed class PaymentLinkThankYouVisit
{
    /// <summary>Gets the request.</summary>
    public required HttpContext HttpContext { get; init; }

    /// <summary>Gets the page as the redirect reached it: <c>session_id</c>, UTM codes, and any value Stripe would drop.</summary>
    public required ThankYouPage Page { get; init; }

    /// <summary>Gets what was done with the visit.</summary>
    public required PaymentLinkThankYouOutcome Outcome { get; init; }

    /// <summary>
    /// Gets the completed Checkout Session Stripe confirmed (amount, currency, the customer's email for a conversion
    /// tag), or <see langword="null"/> when no Stripe API is registered (<c>services.AddPaymentLinkStripeApi()</c>) or
    /// the session is not complete.
    /// </summary>
    public CheckoutConversionResult? Lookup { get; init; }
}
