namespace PaymentLinks.Tracking;

/// <summary>
/// Why a parameter value is invalid, and so left out of a payment link as Stripe would leave it out.
/// </summary>
public enum DropReason
{
    /// <summary>The value is valid: nothing is dropped.</summary>
    None,

    /// <summary>The value is empty.</summary>
    Empty,

    /// <summary>The value has more characters than the parameter allows (150 for UTM codes, 200 for <c>client_reference_id</c>, 254 for emails).</summary>
    TooLong,

    /// <summary>The value holds a character the parameter does not allow.</summary>
    InvalidCharacter,

    /// <summary>The value starts like a Stripe API key or webhook secret, which must never travel in a link.</summary>
    LooksLikeSecret,

    /// <summary>The value is not a plausible email address.</summary>
    NotAnEmail,

    /// <summary>The value is not one of Checkout's locales.</summary>
    UnknownLocale,

    /// <summary>The URL repeats the parameter; only its last occurrence counts, as Stripe reads it.</summary>
    Superseded,
}
