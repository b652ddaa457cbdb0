using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using NUnit.Framework;
using PaymentLinks.Tracking.GoogleAds;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;

public sealed class GoogleAdsCredentialTests
{
    [Test]
    public async Task A_service_account_key_whose_token_uri_is_loopback_gets_an_access_token_from_Google_Apis_Auth()
    {
        await using var google = new LoopbackGoogle();
        var credential = GoogleAdsCredential.Load(new GoogleAdsForwardingOptions { CredentialsJson = google.ServiceAccountKey() });

        var token = await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, CancellationToken.None);

        token.ShouldStartWith("ya29.loopback");
        google.TokenRequests.ShouldBe(1);
        (await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, CancellationToken.None)).ShouldBe(token, "the library caches the token until it nears expiry");
        google.TokenRequests.ShouldBe(1);
    }

    [Test]
    public async Task TokenEndpoint_replaces_the_keys_token_uri()
    {
        await using var google = new LoopbackGoogle();
        var key = google.ServiceAccountKey().Replace(google.TokenEndpoint.AbsoluteUri, "https://oauth2.googleapis.com/token", StringComparison.Ordinal);
        var credential = GoogleAdsCredential.Load(new GoogleAdsForwardingOptions { CredentialsJson = key, TokenEndpoint = google.TokenEndpoint });

        (await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, CancellationToken.None)).ShouldStartWith("ya29.loopback");
        google.TokenRequests.ShouldBe(1);
    }

    [Test]
    public async Task A_key_Google_does_not_know_is_refused_by_the_token_endpoint_with_invalid_grant()
    {
        await using var google = new LoopbackGoogle();
        var credential = GoogleAdsCredential.Load(new GoogleAdsForwardingOptions { CredentialsJson = google.ServiceAccountKey(knownToServer: false) });

        var refused = await Should.ThrowAsync<TokenResponseException>(() => ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, CancellationToken.None));

        refused.Error.Error.ShouldBe("invalid_grant");
    }

    [Test]
    public async Task A_token_endpoint_that_redirects_is_not_followed_so_the_keys_assertion_goes_nowhere_else()
    {
        await using var google = new LoopbackGoogle();
        await using var elsewhere = new LoopbackStripeServer(new StripeAnswer(200, """{"access_token":"ya29.elsewhere","expires_in":3599,"token_type":"Bearer"}"""));
        await using var redirecting = new LoopbackStripeServer(new StripeAnswer(307, string.Empty)
        {
            Headers = new Dictionary<string, string> { ["Location"] = elsewhere.ApiBase + "/token" },
        });
        var credential = GoogleAdsCredential.Load(new GoogleAdsForwardingOptions
        {
            CredentialsJson = google.ServiceAccountKey(),
            TokenEndpoint = new Uri(redirecting.ApiBase + "/token"),
        });

        var refused = await Should.ThrowAsync<HttpRequestException>(() => ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, CancellationToken.None));

        refused.StatusCode.ShouldBe(System.Net.HttpStatusCode.TemporaryRedirect);
        refused.Message.ShouldContain($"a redirect to {elsewhere.ApiBase}/token, which is not followed");
        redirecting.Requests.ShouldHaveSingleItem().Form["assertion"].ShouldNotBeNullOrEmpty();
        elsewhere.Requests.ShouldBeEmpty("the signed assertion must not follow a redirect to another address");
    }

    [Test]
    public async Task CredentialsFile_is_read_as_a_service_account_key()
    {
        await using var google = new LoopbackGoogle();
        var path = Path.Combine(Path.GetTempPath(), $"google-ads-key-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, google.ServiceAccountKey());
        try
        {
            var credential = GoogleAdsCredential.Load(new GoogleAdsForwardingOptions { CredentialsFile = path });
            (await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(null, CancellationToken.None)).ShouldStartWith("ya29.loopback");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_key_that_is_not_JSON_is_refused_without_repeating_it()
    {
        const string NotJson = "-----BEGIN PRIVATE KEY-----secretmaterial";
        var failure = Should.Throw<InvalidOperationException>(() => GoogleAdsCredential.Load(new GoogleAdsForwardingOptions { CredentialsJson = NotJson }));

        failure.Message.ShouldContain("CredentialsJson is not JSON");
        failure.Message.ShouldNotContain("secretmaterial");
        failure.InnerException.ShouldBeNull();
    }

    [Test]
    public void A_users_credential_is_not_taken_as_a_service_accounts_key()
    {
        const string UserCredential = """{"type":"authorized_user","client_id":"id","client_secret":"userSecret123","refresh_token":"1//refresh"}""";
        var failure = Should.Throw<InvalidOperationException>(() => GoogleAdsCredential.Load(new GoogleAdsForwardingOptions { CredentialsJson = UserCredential }));

        failure.Message.ShouldContain("is not a service account's key");
        failure.Message.ShouldNotContain("userSecret123");
    }
}
