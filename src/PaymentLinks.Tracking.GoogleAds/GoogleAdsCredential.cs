using Google.Apis.Auth.OAuth2;
using Google.Apis.Json;

namespace PaymentLinks.Tracking.GoogleAds;

/// <summary>
/// The OAuth 2.0 credential the Data Manager API is called with, through Google's own library (Google.Apis.Auth): a
/// service account's JSON key (from <see cref="GoogleAdsForwardingOptions.CredentialsFile"/> or
/// <see cref="GoogleAdsForwardingOptions.CredentialsJson"/>) or the application-default credential, scoped to
/// <see cref="GoogleAdsForwardingOptions.Scope"/>. The library signs the key's assertion, exchanges it at the token
/// endpoint, caches the access token and refreshes it before it expires. Its requests follow no redirect
/// (<see cref="RedirectlessHttpClientFactory"/>).
/// </summary>
internal static class GoogleAdsCredential
{
    /// <summary>
    /// Loads the credential the options name. A message of the exception says what is wrong with the setting and never
    /// quotes the key.
    /// </summary>
    /// <exception cref="InvalidOperationException">The key cannot be read, is not a service account's key, or no application-default credential exists.</exception>
    public static GoogleCredential Load(GoogleAdsForwardingOptions options)
    {
        if (!string.IsNullOrEmpty(options.CredentialsJson))
        {
            return FromServiceAccountKey(options.CredentialsJson, options.TokenEndpoint, "CredentialsJson");
        }

        if (!string.IsNullOrEmpty(options.CredentialsFile))
        {
            string json;
            try
            {
                json = File.ReadAllText(options.CredentialsFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new InvalidOperationException($"CredentialsFile \"{options.CredentialsFile}\" cannot be read: {e.GetType().Name}.", e);
            }

            return FromServiceAccountKey(json, options.TokenEndpoint, "CredentialsFile");
        }

        try
        {
            return GoogleCredential.GetApplicationDefault()
                .CreateScoped(GoogleAdsForwardingOptions.Scope)
                .CreateWithHttpClientFactory(RedirectlessHttpClientFactory.Instance);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            throw new InvalidOperationException(
                "no application-default credential was found: set CredentialsFile or CredentialsJson to a service account's JSON key, or GOOGLE_APPLICATION_CREDENTIALS to its path.",
                e);
        }
    }

    private static GoogleCredential FromServiceAccountKey(string json, Uri? tokenEndpoint, string option)
    {
        JsonCredentialParameters? parameters;
        try
        {
            parameters = NewtonsoftJsonSerializer.Instance.Deserialize<JsonCredentialParameters>(json);
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or ArgumentException)
        {
            // The reader's message may quote the text it stopped at, part of a key: neither it nor the exception is kept.
            throw new InvalidOperationException($"{option} is not JSON ({e.GetType().Name}): give a service account's JSON key, as Google Cloud's console downloads it.");
        }

        if (parameters is null || parameters.Type != JsonCredentialParameters.ServiceAccountCredentialType)
        {
            throw new InvalidOperationException(
                $"{option} is not a service account's key (its \"type\" must be \"{JsonCredentialParameters.ServiceAccountCredentialType}\"); for a user's or another credential, use the application-default credential.");
        }

        if (string.IsNullOrEmpty(parameters.ClientEmail) || string.IsNullOrEmpty(parameters.PrivateKey))
        {
            throw new InvalidOperationException($"{option} lacks \"client_email\" or \"private_key\": download the service account's key again.");
        }

        if (tokenEndpoint is not null)
        {
            parameters.TokenUri = tokenEndpoint.AbsoluteUri;
        }

        try
        {
            var serviceAccount = CredentialFactory.FromJsonParameters<ServiceAccountCredential>(parameters);
            return GoogleCredential.FromServiceAccountCredential(serviceAccount)
                .CreateScoped(GoogleAdsForwardingOptions.Scope)
                .CreateWithHttpClientFactory(RedirectlessHttpClientFactory.Instance);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"{option} holds a private_key that cannot be read ({e.GetType().Name}): download the service account's key again.", null);
        }
    }
}
