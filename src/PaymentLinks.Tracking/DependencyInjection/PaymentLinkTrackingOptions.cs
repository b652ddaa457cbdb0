namespace PaymentLinks.Tracking;

/// <summary>
/// Settings for <c>services.AddPaymentLinkTracking(...)</c>: the webhook endpoint's signing secrets and limits, the UTM
/// codes every link gets by default, and the payment links the application sells through, by name.
/// </summary>
/// <remarks>
/// Bound from configuration, the section reads like this:
/// <code>
/// "PaymentLinkTracking": {
///   "SigningSecrets": [ "whsec_..." ],
///   "Tolerance": "00:05:00",
///   "DefaultUtm": { "Source": "website" },
///   "Links": { "pro-monthly": "https://buy.stripe.com/..." }
/// }
/// </code>
/// The options are validated when the host starts; a bad value fails start-up with a message that names the option.
/// </remarks>
public sealed class PaymentLinkTrackingOptions
{
    /// <summary>
    /// Gets or sets the webhook endpoint's signing secrets, each starting with <c>whsec_</c>. A webhook is accepted when
    /// its signature matches any of them, so while a secret is being rolled both the old and the new one can be listed.
    /// </summary>
    /// <value>
    /// The default value is an empty list. Links need no secret; verifying webhooks needs at least one.
    /// </value>
    public IList<string> SigningSecrets { get => Webhook.SigningSecrets; set => Webhook.SigningSecrets = value; }

    /// <summary>
    /// Gets or sets how far a webhook's signature timestamp may be from the current time, in either direction. Older
    /// webhooks are refused as possible replays.
    /// </summary>
    /// <value>The default value is 5 minutes, as in Stripe's own libraries. It must be positive.</value>
    public TimeSpan Tolerance { get => Webhook.Tolerance; set => Webhook.Tolerance = value; }

    /// <summary>Gets or sets the largest webhook body, in bytes, that is read. A larger body is refused.</summary>
    /// <value>The default value is 262,144 bytes (256 KiB). It must be positive.</value>
    public int MaxPayloadBytes { get => Webhook.MaxPayloadBytes; set => Webhook.MaxPayloadBytes = value; }

    /// <summary>
    /// Gets or sets the UTM codes that <see cref="IPaymentLinkUrlFactory"/> gives every link that does not carry its own:
    /// a code set in the configured URL, or by the caller, wins over the default.
    /// </summary>
    /// <value>
    /// The default value is no codes. Each code set must be one Stripe keeps (see <see cref="PaymentLinkRules"/>).
    /// </value>
    public UtmCodes DefaultUtm { get; set; } = new();

    /// <summary>
    /// Gets or sets the payment links by name, e.g. <c>"pro-monthly"</c> to <c>https://buy.stripe.com/...</c>, so that the
    /// URLs live in configuration rather than code. <see cref="IPaymentLinkUrlFactory.Create(string)"/> reads them.
    /// </summary>
    /// <value>
    /// The default value is an empty dictionary whose names compare without regard to case, as configuration keys do.
    /// Each URL must be an absolute <c>https</c> (or <c>http</c>) URL whose tracking parameters Stripe keeps.
    /// </value>
    public IDictionary<string, string> Links { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the Stripe API key that <see cref="PaymentLinkCreator"/> and <see cref="CheckoutConversionReader"/>
    /// use when they are added with <c>services.AddPaymentLinkStripeApi()</c> and the host registers no
    /// <see cref="Stripe.IStripeClient"/> of its own. Prefer a restricted key (<c>rk_...</c>) with only what is used:
    /// Checkout Sessions: Read for the reader, Payment Links: Write for the creator. Keep it in a secret store or an
    /// environment variable, never in a file that is committed.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no Stripe API calls, and none needed for links or webhooks.</value>
    public string? StripeApiKey { get; set; }

    /// <summary>
    /// Gets or sets the address of Stripe's API that the client made for <see cref="StripeApiKey"/> calls. Change it
    /// only to point the Stripe API services at a local mock or a proxy; a host that registers its own
    /// <see cref="Stripe.IStripeClient"/> sets the base on that client instead.
    /// </summary>
    /// <value>
    /// The default value is <c>https://api.stripe.com</c>. It must be an absolute <c>https</c> URL without credentials,
    /// query or fragment; <c>http</c> is accepted only for a loopback address (<c>localhost</c>, <c>127.0.0.1</c>,
    /// <c>[::1]</c>), such as a test server.
    /// </value>
    public Uri StripeApiBase { get; set; } = new(DefaultStripeApiBase);

    /// <summary>
    /// Gets or sets whether <see cref="IPaymentLinkUrlFactory"/> puts the <see cref="CampaignKey"/> of each link's UTM
    /// codes into its <c>client_reference_id</c> (with <see cref="ClientReferenceCodec.Encode"/>, after the caller's own
    /// reference), so that the payment is attributed to the campaign from the webhook alone, and registers the key in the
    /// ledger (<see cref="IPaymentLinkAttribution.RegisterCampaignKeyAsync"/>) before the link is returned.
    /// </summary>
    /// <remarks>
    /// Each distinct key is written once per process: the first link of a campaign waits for the write, later ones do
    /// not. A link without UTM codes is left unchanged, and a reference longer than
    /// <see cref="ClientReferenceCodec.MaxMerchantReferenceLength"/> characters is kept whole without the key, with a
    /// warning logged like a dropped parameter. Turning it on needs a ledger (<c>AddSqliteLedger</c> or
    /// <c>AddPostgreSqlLedger</c>); without one, creating a link throws <see cref="InvalidOperationException"/>.
    /// </remarks>
    /// <value>
    /// The default value is <see langword="false"/>: every <c>client_reference_id</c> stays exactly as the caller set it.
    /// </value>
    public bool CampaignKeys { get; set; }

    internal const string DefaultStripeApiBase = "https://api.stripe.com";

    // The webhook settings live in one options type, checked by its rules. A field, so that the configuration binder
    // never takes it for an option: its settings are bound through the properties above, under the keys users know.
    internal readonly PaymentLinkWebhookOptions Webhook = new();

    // What binding from configuration could not read; reported by the validator with every other problem. A field, so
    // that the configuration binder never takes it for an option.
    internal readonly List<string> BindingFailures = [];

    /// <summary>Gets the webhook settings for a <see cref="PaymentLinkWebhookParser"/>, or says which option to set.</summary>
    internal PaymentLinkWebhookOptions ToWebhookOptions() => SigningSecrets is { Count: > 0 }
        ? Webhook
        : throw new InvalidOperationException(
            $"Verifying webhooks needs the endpoint's signing secret ({PaymentLinkRules.WebhookSigningSecretPrefix}...) in "
            + $"{nameof(PaymentLinkTrackingOptions)}.{nameof(SigningSecrets)}, e.g. from the environment variable PaymentLinkTracking__SigningSecrets__0.");
}
