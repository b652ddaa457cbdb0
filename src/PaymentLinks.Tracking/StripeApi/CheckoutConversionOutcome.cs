namespace PaymentLinks.Tracking;

/// <summary>What <see cref="CheckoutConversionReader"/> found on a thank-you page.</summary>
public enum CheckoutConversionOutcome
{
    /// <summary>The Checkout Session is complete: a conversion.</summary>
    Converted,

    /// <summary>The Checkout Session exists but is not complete: <c>open</c> or <c>expired</c>. Not a conversion.</summary>
    NotComplete,

    /// <summary>The URL has no <c>session_id</c>; Stripe was not called.</summary>
    MissingSessionId,

    /// <summary>The URL's <c>session_id</c> is not shaped like a Checkout Session id; Stripe was not called.</summary>
    InvalidSessionId,

    /// <summary>Stripe knows no such Checkout Session (404), e.g. a test-mode id read with a live key.</summary>
    SessionNotFound,

    /// <summary>Stripe refused the API key (401): wrong, expired or revoked.</summary>
    Unauthorized,

    /// <summary>The API key may not read Checkout Sessions (403): give it Checkout Sessions: read.</summary>
    Forbidden,

    /// <summary>Stripe limited the request rate (429), after the client's own retries.</summary>
    RateLimited,

    /// <summary>Stripe answered with another error (e.g. 400, 500) or an unusable answer.</summary>
    StripeError,

    /// <summary>Stripe could not be reached, or did not answer in time.</summary>
    Unreachable,
}
