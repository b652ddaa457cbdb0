namespace PaymentLinks.Tracking;

/// <summary>Why a webhook request was refused.</summary>
public enum PaymentLinkWebhookRejection
{
    /// <summary>Not refused: the request was accepted.</summary>
    None = 0,

    /// <summary>The <c>Stripe-Signature</c> header is missing or blank.</summary>
    MissingHeader,

    /// <summary>
    /// The <c>Stripe-Signature</c> header is not a comma-separated list of <c>key=value</c> items with
    /// exactly one <c>t</c> holding a Unix time in seconds.
    /// </summary>
    MalformedHeader,

    /// <summary>
    /// No <c>v1</c> signature in the header matches the payload for any configured signing secret
    /// (a header with no <c>v1</c> at all included).
    /// </summary>
    NoMatchingSignature,

    /// <summary>
    /// The signature is valid but its timestamp is further from the current time than
    /// <see cref="PaymentLinkWebhookOptions.Tolerance"/>: a replay, or a wrong clock.
    /// </summary>
    TimestampOutsideTolerance,

    /// <summary>The payload is larger than <see cref="PaymentLinkWebhookOptions.MaxPayloadBytes"/>.</summary>
    PayloadTooLarge,

    /// <summary>
    /// The signed payload is not well-formed UTF-8 JSON (nesting deeper than 64 levels included), or it
    /// repeats a property that the parser reads.
    /// </summary>
    MalformedJson,

    /// <summary>
    /// The signed payload is JSON but not a Stripe event: a required field (<c>id</c>, <c>object</c>,
    /// <c>type</c>, <c>created</c>, <c>livemode</c>, <c>data.object</c>) is missing or of the wrong type; a
    /// Checkout Session has a field of the wrong type (such as an <c>amount_total</c> that is not a 64-bit
    /// integer) or no <c>id</c>; or a <c>checkout.session.*</c> event's object is not a Checkout Session.
    /// </summary>
    NotAnEvent,
}
