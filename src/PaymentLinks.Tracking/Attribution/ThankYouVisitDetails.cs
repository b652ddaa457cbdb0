namespace PaymentLinks.Tracking;

/// <summary>
/// What a thank-you page visit saw of the buyer's browser, recorded with the visit by
/// <see cref="IPaymentLinkAttribution.RecordVisitAsync(string, UtmCodes, ThankYouVisitDetails?, CancellationToken)"/> so that
/// forwarding (<c>services.AddPaymentLinkForwarding(...)</c>) can join the conversion to the browsing session at Google
/// Analytics 4 and Meta. Every value is optional; an absent one is left out of what is sent.
/// </summary>
/// <remarks>
/// These are personal data. The ledger keeps them in the table <c>payment_link_visit_details</c>, one row per Checkout
/// Session, beside the session's email in <c>payment_link_sessions</c>: erasing a buyer deletes that row. Without
/// <see cref="Consent"/> granted (or <see cref="PaymentLinkForwardingOptions.AssumeConsent"/>) none of them but the
/// <c>_ga</c> cookie's client id is sent anywhere.
/// <para>
/// The first visit of a session speaks for the buyer: its consent and browser identifiers are the ones kept. A later
/// visit may change the consent (a banner answered after the page loaded) or fill in a missing value only when it
/// carries the first visit's <see cref="BrowserKey"/>; any other later visit (a shared, forwarded or leaked thank-you
/// URL opened elsewhere) is a revisit and changes nothing.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var details = new ThankYouVisitDetails
/// {
///     GoogleAnalyticsCookie = request.Cookies["_ga"],
///     MetaBrowserCookie = request.Cookies["_fbp"],
///     MetaClickCookie = request.Cookies["_fbc"],
///     UserAgent = request.Headers.UserAgent,
///     PageUrl = request.GetEncodedUrl(),
///     ClientIp = context.Connection.RemoteIpAddress?.ToString(),
///     Consent = request.Query["consent"] == "granted" ? VisitConsent.Granted : VisitConsent.Denied,
///     BrowserKey = browserKey, // a random value the page keeps in an HttpOnly first-party cookie
/// };
/// await attribution.RecordVisitAsync(page.SessionId, page.Utm, details, cancellationToken);
/// </code>
/// </example>
public sealed record ThankYouVisitDetails
{
    /// <summary>The longest value kept for any field; a longer one is cut to this length.</summary>
    public const int MaxValueLength = 2048;

    /// <summary>Gets the <c>_ga</c> cookie (e.g. <c>GA1.1.123456789.1700000000</c>); GA4's <c>client_id</c> comes from it.</summary>
    public string? GoogleAnalyticsCookie { get; init; }

    /// <summary>Gets the <c>_fbp</c> cookie (Meta's browser id), sent to Meta as <c>fbp</c> with consent.</summary>
    public string? MetaBrowserCookie { get; init; }

    /// <summary>Gets the <c>_fbc</c> cookie (Meta's click id), sent to Meta as <c>fbc</c> with consent.</summary>
    public string? MetaClickCookie { get; init; }

    /// <summary>Gets the browser's <c>User-Agent</c> header, sent to Meta as <c>client_user_agent</c> with consent.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Gets the thank-you page's URL, sent to Meta as <c>event_source_url</c> with consent.</summary>
    public string? PageUrl { get; init; }

    /// <summary>Gets the buyer's IP address, sent to Meta as <c>client_ip_address</c> with consent.</summary>
    public string? ClientIp { get; init; }

    /// <summary>Gets the buyer's consent to advertising use of their data, as the page reports it.</summary>
    /// <value>The default is <see cref="VisitConsent.NotReported"/>, which counts as denied unless the merchant sets
    /// <see cref="PaymentLinkForwardingOptions.AssumeConsent"/>.</value>
    public VisitConsent Consent { get; init; }

    /// <summary>
    /// Gets the key that binds the session's details to the browser of its first visit: an unguessable random value
    /// (128 bits or more, such as 16 bytes from <see cref="System.Security.Cryptography.RandomNumberGenerator"/> in
    /// base64url) that the thank-you page keeps in a first-party, <c>HttpOnly</c>, <c>SameSite=Lax</c> cookie and sends
    /// again on the browser's later visits. The ledger keeps only its SHA-256 hash. A later visit with the same key may
    /// change <see cref="Consent"/> and fill in a missing value; one without it changes nothing.
    /// <c>app.MapPaymentLinkThankYou(...)</c> sets and reads the cookie itself.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no later visit may change what this visit recorded.</value>
    public string? BrowserKey { get; init; }

    /// <summary>
    /// Gets the visitor the browser is to the tracked links: the id in the first-party cookie that
    /// <c>app.MapPaymentLinkRedirect(...)</c> sets (<c>plt_visitor</c>), the one its clicks carry
    /// (<see cref="PaymentLinkClick.VisitorId"/>). It ties the visit to the visitor's clicks, so that erasing the session
    /// erases them too. <c>app.MapPaymentLinkThankYou(...)</c> reads the cookie itself. A value not shaped like a click id
    /// (<see cref="ClientReferenceCodec.IsClickId"/>) is not kept.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the visit is tied to no visitor.</value>
    public string? VisitorId { get; init; }

    /// <summary>Returns the consent only: the other values are personal data.</summary>
    /// <returns>A description without personal data.</returns>
    public override string ToString() => $"{nameof(ThankYouVisitDetails)} {{ {nameof(Consent)} = {Consent} }}";
}

/// <summary>The buyer's consent to advertising use of their data, as the thank-you page reports it.</summary>
public enum VisitConsent
{
    /// <summary>The page reported nothing: denied, unless <see cref="PaymentLinkForwardingOptions.AssumeConsent"/>.</summary>
    NotReported = 0,

    /// <summary>The buyer granted consent: the email hash, IP, user agent, <c>fbp</c> and <c>fbc</c> may be sent.</summary>
    Granted = 1,

    /// <summary>The buyer refused: nothing personal is sent.</summary>
    Denied = 2,
}
