namespace PaymentLinks.Tracking;

/// <summary>Where a Checkout Session's campaign (its UTM codes) was learned, best first.</summary>
public enum AttributionSource
{
    /// <summary>No source named a campaign: the session counts under empty UTM codes.</summary>
    None,

    /// <summary>The thank-you page's first visit: the UTM codes Stripe's redirect carried with the session id.</summary>
    Visit,

    /// <summary>The campaign key carried in <c>client_reference_id</c> (see <see cref="ClientReferenceCodec"/>).</summary>
    Reference,

    /// <summary>The payment link's metadata (<c>utm_source</c>, <c>utm_medium</c>, ...), copied by Stripe to the session.</summary>
    Link,
}
