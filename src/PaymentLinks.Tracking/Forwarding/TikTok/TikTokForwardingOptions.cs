namespace PaymentLinks.Tracking;

/// <summary>
/// TikTok's Events API (web events): each paid session as a <c>CompletePayment</c> with the session id as
/// <c>event_id</c>, so that TikTok dedupes it against the pixel's. On when <see cref="PixelCode"/> and
/// <see cref="AccessToken"/> are set (<c>PaymentLinkTracking:Forwarding:TikTok</c>).
/// </summary>
public sealed class TikTokForwardingOptions
{
    /// <summary>The default <see cref="Endpoint"/>.</summary>
    public const string DefaultEndpoint = "https://business-api.tiktok.com";

    /// <summary>Gets or sets the pixel code (Events Manager → Web events; such as <c>C4ABCDEF0123456789AB</c>).</summary>
    /// <value>The default is <see langword="null"/>: TikTok is off.</value>
    public string? PixelCode { get; set; }

    /// <summary>
    /// Gets or sets the Events API access token (the pixel's settings → Generate access token). A secret: sent in the
    /// <c>Access-Token</c> header, never logged nor put in a message.
    /// </summary>
    /// <value>The default is <see langword="null"/>: TikTok is off.</value>
    public string? AccessToken { get; set; }

    /// <summary>
    /// Gets or sets where the Business API is served (the request goes to <c>{Endpoint}/open_api/v1.3/event/track/</c>);
    /// change it only for a proxy or a test server.
    /// </summary>
    /// <value>The default is <c>https://business-api.tiktok.com</c>; <c>https</c>, or <c>http</c> for a loopback address only.</value>
    public Uri Endpoint { get; set; } = new(DefaultEndpoint);

    /// <summary>
    /// Gets or sets the Events Manager's test event code: events sent with it show under Test events and are not
    /// counted. Remove it in production.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? TestEventCode { get; set; }

    /// <summary>
    /// Gets or sets whether each subscription renewal goes to TikTok as a <c>CompletePayment</c> of its own
    /// (<c>event_id</c> and <c>order_id</c> the invoice's id). Off by default, as for Meta: a campaign optimised for
    /// purchases would count every renewal as a new buyer.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool SendRenewals { get; set; }

    internal bool IsConfigured => !string.IsNullOrEmpty(PixelCode) || !string.IsNullOrEmpty(AccessToken);
}
