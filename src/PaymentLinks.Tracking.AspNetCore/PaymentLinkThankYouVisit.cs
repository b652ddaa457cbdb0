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

    /// <summary>
    /// Gets the event id to give the page's browser pixels for the purchase (Meta's <c>eventID</c>, TikTok's
    /// <c>event_id</c> on <c>CompletePayment</c>): the session's id, which the forwarded events carry, so that each
    /// platform counts the purchase once. <see langword="null"/> when the page has no session id.
    /// </summary>
    /// <example>
    /// <code>
    /// ttq.track('CompletePayment', { value: 42.00, currency: 'USD' }, { event_id: visit.PixelEventId });
    /// </code>
    /// </example>
    public string? PixelEventId => Page.SessionId;
}
