namespace PaymentLinks.Tracking;

/// <summary>
/// Settings for <c>services.AddPaymentLinkForwarding(...)</c>: which destinations receive each paid session (Google
/// Analytics 4, Meta, a signed webhook, TikTok; and any added with <c>AddConversionDestination</c>), and how the forwarding worker sends, retries and gives up. A destination is on
/// when its required settings are present. Validated when the host starts; a message names the option and never
/// repeats a secret.
/// </summary>
/// <remarks>
/// Bound from configuration (the section <c>PaymentLinkTracking:Forwarding</c>), it reads like this:
/// <code>
/// "PaymentLinkTracking": {
///   "Forwarding": {
///     "GoogleAnalytics": { "MeasurementId": "G-XXXXXXX", "ApiSecret": "..." },
///     "Meta": { "PixelId": "1234567890", "AccessToken": "...", "ApiVersion": "v21.0" },
///     "Webhook": { "Url": "https://example.com/conversions", "Secret": "..." },
///     "TikTok": { "PixelCode": "C4ABCDEF0123456789AB", "AccessToken": "..." }
///   }
/// }
/// </code>
/// Keep <c>ApiSecret</c>, <c>AccessToken</c> and the webhook's <c>Secret</c> in a secret store or environment variables
/// (<c>PaymentLinkTracking__Forwarding__Meta__AccessToken</c>), never in a committed file.
/// </remarks>
public sealed class PaymentLinkForwardingOptions
{
    /// <summary>Gets the Google Analytics 4 Measurement Protocol destination's settings.</summary>
    public GoogleAnalyticsForwardingOptions GoogleAnalytics { get; } = new();

    /// <summary>Gets the Meta Conversions API destination's settings.</summary>
    public MetaForwardingOptions Meta { get; } = new();

    /// <summary>Gets the signed webhook destination's settings.</summary>
    public WebhookForwardingOptions Webhook { get; } = new();

    /// <summary>Gets the TikTok Events API destination's settings.</summary>
    public TikTokForwardingOptions TikTok { get; } = new();

    /// <summary>
    /// Gets or sets whether test-mode payments (<c>livemode: false</c>) are forwarded too. Leave it off in production, so
    /// that a test payment never reaches the ad platforms.
    /// </summary>
    /// <value>The default is <see langword="false"/>: only live payments are forwarded.</value>
    public bool IncludeTestMode { get; set; }

    /// <summary>
    /// Gets or sets whether a visit whose page reported no consent (<see cref="VisitConsent.NotReported"/>) counts as
    /// consent granted. Setting it is the merchant's legal call: it makes personal data (the email hash, IP, user agent,
    /// <c>fbp</c>, <c>fbc</c>) go to the destinations for buyers who were never asked.
    /// </summary>
    /// <value>The default is <see langword="false"/>: no reported consent means denied.</value>
    public bool AssumeConsent { get; set; }

    /// <summary>Gets or sets how many requests the worker has in flight at once, over all destinations.</summary>
    /// <value>The default is 8; from 1 to 256.</value>
    public int MaxInFlight { get; set; } = 8;

    /// <summary>
    /// Gets or sets how many times one conversion may be tried at one destination before it is dead, when a cap is wanted
    /// beside the destination's window. Without it a conversion is tried, with a backoff of at most
    /// <see cref="MaxRetryDelay"/>, for as long as its destination accepts it: GA4 up to 72 hours after the event, Meta up to
    /// 7 days (each less an hour's margin), the webhook 3 days after the conversion was recorded (as Stripe retries its
    /// own webhooks); then it is dead. A try whose process stopped mid-request counts too.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the destination's window decides; at least 1 when set.</value>
    public int? MaxAttempts { get; set; }

    /// <summary>
    /// Gets or sets the backoff's base: the try after <c>n</c> failed ones waits a random time (full jitter) between zero
    /// and <c>RetryDelay × 2^(n-1)</c>, at most <see cref="MaxRetryDelay"/>, or as long as a <c>Retry-After</c> header
    /// asks when the destination sends one.
    /// </summary>
    /// <value>The default is 10 seconds; zero or more.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the longest wait between two tries, also for a <c>Retry-After</c> that asks for more.</summary>
    /// <value>The default is 1 hour; at least <see cref="RetryDelay"/>.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how long one request may take; a request that takes longer is retried.</summary>
    /// <value>The default is 30 seconds; from 100 milliseconds to 10 minutes.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long an instance holds the conversions it is sending; another instance takes over a conversion
    /// whose lease ran out. It must outlast the requests of one round (see <see cref="RequestTimeout"/>).
    /// </summary>
    /// <value>The default is 5 minutes; at least 4 times <see cref="RequestTimeout"/>.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how often the worker looks for due conversions when it has none. A conversion recorded through this
    /// process is sent at once; one recorded by another instance, or due for a retry, within this interval.
    /// </summary>
    /// <value>The default is 5 seconds; at least 10 milliseconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long a sent conversion's row stays in the outbox (for <c>forwarding list</c> and a person's
    /// questions) before the worker deletes it. Failed, dead and too-old rows are kept until retried.
    /// </summary>
    /// <value>The default is 30 days; at least 1 day.</value>
    public TimeSpan SentRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets or sets whether this instance runs the forwarding worker. Conversions are written to the outbox either way;
    /// turn it off on instances that should only receive webhooks.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool RunWorker { get; set; } = true;

    /// <summary>Gets whether any destination is configured.</summary>
    internal bool AnyDestination => GoogleAnalytics.IsConfigured || Meta.IsConfigured || Webhook.IsConfigured;

    // What binding from configuration could not read; reported by the validator with every other problem.
    internal readonly List<string> BindingFailures = [];

    /// <summary>The wait before the try after <paramref name="failedAttempts"/> failed ones: full jitter under the exponential cap.</summary>
    internal TimeSpan BackoffAfter(int failedAttempts, TimeSpan? retryAfter, Random random)
    {
        var cap = RetryDelay;
        for (var i = 1; i < failedAttempts && cap < MaxRetryDelay; i++)
        {
            cap += cap;
        }

        if (cap > MaxRetryDelay)
        {
            cap = MaxRetryDelay;
        }

        var jittered = TimeSpan.FromTicks((long)(random.NextDouble() * cap.Ticks));
        if (retryAfter is { } asked && asked > jittered)
        {
            return asked < MaxRetryDelay ? asked : MaxRetryDelay;
        }

        return jittered;
    }
}

/// <summary>
/// The Google Analytics 4 Measurement Protocol destination: one <c>purchase</c> event a conversion (and a <c>refund</c>
/// event a refund) to <c>{Endpoint}/mp/collect</c>. On when <see cref="MeasurementId"/> and <see cref="ApiSecret"/> are set.
/// </summary>
public sealed class GoogleAnalyticsForwardingOptions
{
    /// <summary>The default <see cref="Endpoint"/>.</summary>
    public const string DefaultEndpoint = "https://www.google-analytics.com";

    /// <summary>Gets or sets the web stream's measurement id (<c>G-XXXXXXX</c>, Admin → Data streams).</summary>
    /// <value>The default is <see langword="null"/>: GA4 is off.</value>
    public string? MeasurementId { get; set; }

    /// <summary>
    /// Gets or sets the Measurement Protocol API secret (Admin → Data streams → Measurement Protocol API secrets). A secret:
    /// it is never logged nor put in a message.
    /// </summary>
    /// <value>The default is <see langword="null"/>: GA4 is off.</value>
    public string? ApiSecret { get; set; }

    /// <summary>Gets or sets where the Measurement Protocol is served; change it only for a proxy or a test server.</summary>
    /// <value>The default is <c>https://www.google-analytics.com</c>; <c>https</c>, or <c>http</c> for a loopback address only.</value>
    public Uri Endpoint { get; set; } = new(DefaultEndpoint);

    /// <summary>
    /// Gets or sets whether the buyer's email goes to GA4 as <c>user_data.sha256_email_address</c> (SHA-256 of the email
    /// normalised as Google documents), for buyers whose consent is recorded.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool SendHashedEmail { get; set; }

    internal bool IsConfigured => !string.IsNullOrEmpty(MeasurementId) || !string.IsNullOrEmpty(ApiSecret);
}

/// <summary>
/// The Meta Conversions API destination: <c>Purchase</c> events to <c>{Endpoint}/{ApiVersion}/{PixelId}/events</c>, up
/// to 1,000 a request. Meta has no refund event. On when <see cref="PixelId"/> and <see cref="AccessToken"/> are set.
/// </summary>
public sealed class MetaForwardingOptions
{
    /// <summary>The default <see cref="Endpoint"/>.</summary>
    public const string DefaultEndpoint = "https://graph.facebook.com";

    /// <summary>The default <see cref="ApiVersion"/>.</summary>
    public const string DefaultApiVersion = "v21.0";

    /// <summary>Gets or sets the pixel (dataset) id, digits only.</summary>
    /// <value>The default is <see langword="null"/>: Meta is off.</value>
    public string? PixelId { get; set; }

    /// <summary>
    /// Gets or sets the Conversions API access token (Events Manager → the pixel's settings). A secret: sent in the
    /// request's body, never in its URL, never logged nor put in a message.
    /// </summary>
    /// <value>The default is <see langword="null"/>: Meta is off.</value>
    public string? AccessToken { get; set; }

    /// <summary>Gets or sets the Graph API version, such as <c>v21.0</c>; Meta retires a version about two years after its release.</summary>
    /// <value>The default is <c>v21.0</c>.</value>
    public string ApiVersion { get; set; } = DefaultApiVersion;

    /// <summary>Gets or sets where the Graph API is served; change it only for a proxy or a test server.</summary>
    /// <value>The default is <c>https://graph.facebook.com</c>; <c>https</c>, or <c>http</c> for a loopback address only.</value>
    public Uri Endpoint { get; set; } = new(DefaultEndpoint);

    /// <summary>
    /// Gets or sets the Events Manager's test event code (<c>TEST12345</c>): events sent with it show under Test events and
    /// are not counted. Remove it in production.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? TestEventCode { get; set; }

    /// <summary>
    /// Gets or sets whether each subscription renewal goes to Meta as a <c>Purchase</c> of its own (<c>event_id</c> and
    /// <c>order_id</c> the invoice's id), for the subscriptions whose first purchase went to Meta. Off by default: a
    /// campaign optimised for purchases would count every renewal as a new buyer.
    /// </summary>
    /// <value>The default is <see langword="false"/>. Google Analytics and the webhook always get renewals.</value>
    public bool SendRenewals { get; set; }

    internal bool IsConfigured => !string.IsNullOrEmpty(PixelId) || !string.IsNullOrEmpty(AccessToken);
}

/// <summary>
/// A signed webhook of the merchant's own (for Segment, Zapier or their systems): JSON <c>conversion.paid</c> and
/// <c>conversion.refunded</c> events, signed like Stripe's webhooks in the <c>PaymentLinks-Signature</c> header and
/// verified by <see cref="ConversionWebhookVerifier"/>. On when <see cref="Url"/> and <see cref="Secret"/> are set.
/// </summary>
public sealed class WebhookForwardingOptions
{
    /// <summary>Gets or sets where the events are posted.</summary>
    /// <value>The default is <see langword="null"/>: the webhook is off. <c>https</c>, or <c>http</c> for a loopback address only.</value>
    public Uri? Url { get; set; }

    /// <summary>
    /// Gets or sets the shared secret the events are signed with (at least 32 characters, no white space; e.g. 32 random
    /// bytes in base64). A secret: never logged nor put in a message.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the webhook is off.</value>
    public string? Secret { get; set; }

    internal bool IsConfigured => Url is not null || !string.IsNullOrEmpty(Secret);
}
