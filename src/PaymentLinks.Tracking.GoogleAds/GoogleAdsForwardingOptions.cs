namespace PaymentLinks.Tracking.GoogleAds;

/// <summary>
/// Settings of the Google Ads destination (<c>services.AddGoogleAdsForwarding(...)</c>): which Google Ads account and
/// conversion action receive each paid session through Google's Data Manager API, and the OAuth 2.0 credential that
/// sends it. Validated when the host starts; a message names the option and never repeats a credential.
/// </summary>
/// <remarks>
/// Bound from configuration (the section <c>PaymentLinkTracking:Forwarding:GoogleAds</c>), it reads like this:
/// <code>
/// "PaymentLinkTracking": {
///   "Forwarding": {
///     "GoogleAds": {
///       "OperatingAccountId": "1234567890",
///       "ConversionActionId": "987654321",
///       "CredentialsFile": "/run/secrets/google-ads-service-account.json"
///     }
///   }
/// }
/// </code>
/// Without <see cref="CredentialsFile"/> and <see cref="CredentialsJson"/>, the application-default credential is used
/// (the <c>GOOGLE_APPLICATION_CREDENTIALS</c> variable, <c>gcloud auth application-default login</c>, or the metadata
/// server on Google Cloud). Keep a key in a secret store or an environment variable
/// (<c>PaymentLinkTracking__Forwarding__GoogleAds__CredentialsJson</c>), never in a committed file.
/// </remarks>
public sealed class GoogleAdsForwardingOptions
{
    /// <summary>The default <see cref="Endpoint"/>.</summary>
    public const string DefaultEndpoint = "https://datamanager.googleapis.com";

    /// <summary>The OAuth 2.0 scope the Data Manager API requires.</summary>
    public const string Scope = "https://www.googleapis.com/auth/datamanager";

    /// <summary>
    /// Gets or sets the Google Ads account that owns the conversion action and receives the conversions: its 10-digit
    /// customer id, without hyphens (<c>1234567890</c>). The Data Manager API's <c>operatingAccount.accountId</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>; required.</value>
    public string? OperatingAccountId { get; set; }

    /// <summary>
    /// Gets or sets the account the credential signs in through, when it is not the operating account itself (a manager
    /// account of it): its 10-digit customer id, without hyphens. The Data Manager API's <c>loginAccount.accountId</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no login account is sent.</value>
    public string? LoginAccountId { get; set; }

    /// <summary>
    /// Gets or sets the conversion action the conversions are recorded under (an <c>UPLOAD_CLICKS</c> action, created in
    /// Google Ads under Goals, Conversions, as an import of offline conversions from clicks): its numeric id. The Data
    /// Manager API's <c>productDestinationId</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>; required.</value>
    public string? ConversionActionId { get; set; }

    /// <summary>
    /// Gets or sets the path of a service account's JSON key file. The service account needs access to the operating
    /// (or login) account. Not with <see cref="CredentialsJson"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: <see cref="CredentialsJson"/>, or the application-default credential.</value>
    public string? CredentialsFile { get; set; }

    /// <summary>
    /// Gets or sets a service account's JSON key itself, for a secret store or an environment variable. A secret: it is
    /// never logged nor put in a message. Not with <see cref="CredentialsFile"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: <see cref="CredentialsFile"/>, or the application-default credential.</value>
    public string? CredentialsJson { get; set; }

    /// <summary>
    /// Gets or sets whether a subscription's renewals are sent: each paid renewal invoice as a conversion of its own
    /// (its <c>transactionId</c> the invoice's id, its value the invoice's without tax), matched through the click ids and
    /// email of the session that started the subscription. Off by default, as for Meta and TikTok: a renewal is rarely
    /// what an ad campaign should bid for.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool SendRenewals { get; set; }

    /// <summary>Gets or sets where the Data Manager API is served; change it only for a proxy or a test server.</summary>
    /// <value>The default is <c>https://datamanager.googleapis.com</c>; <c>https</c>, or <c>http</c> for a loopback address only.</value>
    public Uri Endpoint { get; set; } = new(DefaultEndpoint);

    /// <summary>
    /// Gets or sets the OAuth 2.0 token endpoint a service account's key is exchanged at, instead of the key's own
    /// <c>token_uri</c>; for a test server.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the key's <c>token_uri</c> (Google's). <c>https</c>, or <c>http</c> for a loopback address only.</value>
    public Uri? TokenEndpoint { get; set; }

    // What binding from configuration could not read; reported by the validator with every other problem.
    internal List<string> BindingFailures { get; } = [];
}
