namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>What the thank-you endpoint did with a visit.</summary>
public enum PaymentLinkThankYouOutcome
{
    /// <summary>The session's first visit: its UTM codes attribute the session.</summary>
    FirstVisit = 1,

    /// <summary>A later visit: counted; the first visit's campaign stands.</summary>
    Revisit = 2,

    /// <summary>The page has no <c>session_id</c>: nothing recorded.</summary>
    NoSessionId = 3,

    /// <summary>The <c>session_id</c> is not shaped like a Checkout Session id: nothing recorded, Stripe not asked.</summary>
    MalformedSessionId = 4,

    /// <summary>Neither the ledger nor Stripe knows the session: nothing recorded.</summary>
    UnknownSession = 5,

    /// <summary>
    /// Stripe could not confirm the session (unreachable, refused the key), or was not asked because the minute's
    /// lookups (<see cref="PaymentLinkThankYouOptions.StripeLookupsPerMinute"/>) are spent: nothing recorded; a reload
    /// tries again.
    /// </summary>
    NotVerified = 6,

    /// <summary>The ledger could not be written, or keeps no attribution: nothing recorded.</summary>
    NotRecorded = 7,
}
