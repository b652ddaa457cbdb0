namespace PaymentLinks.Tracking;

/// <summary>
/// A click on a tracked link, before the buyer reaches Stripe: the link, the UTM codes, each ad platform's click id and
/// cookie the browser carried, where it came from, and (under consent) its IP address and user agent. Stripe keeps none
/// of these; the ledger keeps them under the click's id, which the redirect appends to <c>client_reference_id</c>.
/// </summary>
/// <remarks>
/// A host fills what the request carried and hands it to <see cref="IPaymentLinkClicks.RecordClickAsync"/>; the recorded
/// click comes back with <see cref="ClickId"/>, <see cref="ClickedAt"/>, <see cref="VisitorId"/> and <see cref="Fbc"/>
/// set. Every text is cut to <see cref="MaxValueLength"/> characters. Clicks are personal data: they are erased with
/// their visitor's sessions and by the ledger's retention option.
/// </remarks>
public sealed record PaymentLinkClick
{
    /// <summary>The longest value kept for any field; a longer one is cut to this length.</summary>
    public const int MaxValueLength = 2048;

    /// <summary>Gets the click's id: random, <see cref="ClientReferenceCodec.ClickIdLength"/> characters; set by the recorder.</summary>
    public string? ClickId { get; init; }

    /// <summary>Gets the configured link's name (a key of <c>PaymentLinkTracking:Links</c>).</summary>
    public required string LinkName { get; init; }

    /// <summary>Gets when the click was recorded; set by the recorder from its clock.</summary>
    public DateTimeOffset ClickedAt { get; init; }

    /// <summary>
    /// Gets the visitor the click belongs to: the id a first-party cookie carries, so that one browser's clicks are found
    /// together. <see langword="null"/> or a value not shaped like a click id gets a new random one from the recorder.
    /// </summary>
    public string? VisitorId { get; init; }

    /// <summary>Gets the UTM codes the click carried; when it carries none, the configured link's are used.</summary>
    public UtmCodes Utm { get; init; } = UtmCodes.None;

    /// <summary>
    /// Gets the merchant's own reference the click carried (<c>client_reference_id</c>), kept before the click id;
    /// <see langword="null"/> keeps the configured link's. A value Stripe would refuse is dropped.
    /// </summary>
    public string? MerchantReference { get; init; }

    /// <summary>Gets Google Ads' click id (<c>gclid</c>).</summary>
    public string? Gclid { get; init; }

    /// <summary>Gets Google Ads' click id for app-to-web iOS traffic (<c>gbraid</c>).</summary>
    public string? Gbraid { get; init; }

    /// <summary>Gets Google Ads' click id for web-to-app iOS traffic (<c>wbraid</c>).</summary>
    public string? Wbraid { get; init; }

    /// <summary>Gets Meta's click id (<c>fbclid</c>), exactly as received.</summary>
    public string? Fbclid { get; init; }

    /// <summary>Gets TikTok's click id (<c>ttclid</c>).</summary>
    public string? Ttclid { get; init; }

    /// <summary>Gets Microsoft Advertising's click id (<c>msclkid</c>).</summary>
    public string? Msclkid { get; init; }

    /// <summary>Gets LinkedIn's click id (<c>li_fat_id</c>).</summary>
    public string? LiFatId { get; init; }

    /// <summary>Gets Reddit's click id (<c>rdt_cid</c>).</summary>
    public string? RdtCid { get; init; }

    /// <summary>Gets the <c>_ga</c> cookie; GA4's <c>client_id</c> comes from it.</summary>
    public string? GoogleAnalyticsCookie { get; init; }

    /// <summary>Gets Meta's browser id, the <c>_fbp</c> cookie.</summary>
    public string? Fbp { get; init; }

    /// <summary>
    /// Gets Meta's click id as Meta's Conversions API takes it: given, the <c>_fbc</c> cookie; recorded, that cookie, or
    /// one built from <see cref="Fbclid"/> at the click's time as Meta documents,
    /// <c>fb.1.&lt;click time in Unix milliseconds&gt;.&lt;fbclid&gt;</c> with the fbclid unchanged.
    /// </summary>
    public string? Fbc { get; init; }

    /// <summary>Gets TikTok's browser id, the <c>_ttp</c> cookie.</summary>
    public string? Ttp { get; init; }

    /// <summary>Gets the page the click came from (the <c>Referer</c> header).</summary>
    public string? Referrer { get; init; }

    /// <summary>Gets the URL that was clicked, with its query.</summary>
    public string? LandingUrl { get; init; }

    /// <summary>Gets the client's IP address; give it only under the visitor's consent.</summary>
    public string? IpAddress { get; init; }

    /// <summary>Gets the client's user agent; give it only under the visitor's consent.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Describes the click without the personal data it holds.</summary>
    /// <returns>The click's id, link and time.</returns>
    public override string ToString() => $"{nameof(PaymentLinkClick)} {{ {nameof(ClickId)} = {ClickId}, {nameof(LinkName)} = {LinkName}, {nameof(ClickedAt)} = {ClickedAt:O} }}";
}
