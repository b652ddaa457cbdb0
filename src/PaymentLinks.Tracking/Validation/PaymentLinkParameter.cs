namespace PaymentLinks.Tracking;

/// <summary>
/// A URL parameter that a Stripe payment link reads and that Stripe drops when its value is invalid.
/// </summary>
/// <remarks>
/// <see cref="PaymentLinkRules.GetQueryName(PaymentLinkParameter)"/> gives the name the parameter has in a URL.
/// </remarks>
public enum PaymentLinkParameter
{
    /// <summary><c>utm_source</c>: where the traffic came from (a website, a social network, a search engine).</summary>
    UtmSource,

    /// <summary><c>utm_medium</c>: the marketing medium (email, cpc...).</summary>
    UtmMedium,

    /// <summary><c>utm_campaign</c>: the marketing campaign.</summary>
    UtmCampaign,

    /// <summary><c>utm_term</c>: the search terms of a paid search ad.</summary>
    UtmTerm,

    /// <summary><c>utm_content</c>: the content the customer chose, to tell apart links to the same page.</summary>
    UtmContent,

    /// <summary><c>client_reference_id</c>: the merchant's own reference, returned on the Checkout Session.</summary>
    ClientReferenceId,

    /// <summary><c>prefilled_email</c>: the email address shown, editable, on the payment page.</summary>
    PrefilledEmail,

    /// <summary><c>locked_prefilled_email</c>: the email address shown, locked, on the payment page.</summary>
    LockedPrefilledEmail,

    /// <summary><c>prefilled_promo_code</c>: a promotion code applied on the payment page.</summary>
    PrefilledPromoCode,

    /// <summary><c>locale</c>: the language of the payment page.</summary>
    Locale,
}
