using System.Net;
using Google.Apis.Http;

namespace PaymentLinks.Tracking.GoogleAds;

/// <summary>
/// The HTTP clients Google.Apis.Auth makes for the credential's own requests (the token endpoint, the metadata server),
/// following no redirect. Google's <see cref="HttpClientFactory"/> already turns the inner handler's
/// <see cref="HttpClientHandler.AllowAutoRedirect"/> off, but the <see cref="ConfigurableMessageHandler"/> it puts on top
/// follows a redirect itself (<see cref="ConfigurableMessageHandler.FollowRedirect"/> is on by default), and a 307 or 308
/// resends the POST with its body: the key's signed assertion would go to whatever address the token endpoint names.
/// Here <see cref="ConfigurableMessageHandler.FollowRedirect"/> is off and a redirect answer becomes a
/// <see cref="TokenRedirectException"/> below Google's handler, so that neither Google's code nor ours can follow it, and
/// the destination refuses the batch with the reason. An error answer without an OAuth error object becomes a
/// <see cref="TokenEndpointException"/>.
/// </summary>
internal sealed class RedirectlessHttpClientFactory : Google.Apis.Http.IHttpClientFactory
{
    private readonly RedirectRefusingFactory google = new();

    public static RedirectlessHttpClientFactory Instance { get; } = new();

    public ConfigurableHttpClient CreateHttpClient(CreateHttpClientArgs args)
    {
        var client = google.CreateHttpClient(args);
        client.MessageHandler.FollowRedirect = false;
        return client;
    }

    /// <summary>Google's factory, its handler wrapped so that a redirect answer is thrown, not returned.</summary>
    private sealed class RedirectRefusingFactory : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) =>
            new RedirectRefusingHandler { InnerHandler = base.CreateHandler(args) };
    }

    private sealed class RedirectRefusingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (code is >= 300 and < 400)
            {
                var location = response.Headers.Location;
                response.Dispose();
                throw new TokenRedirectException(response.StatusCode, location);
            }

            // Google.Apis.Auth reads an error answer as an OAuth error object; an empty body makes it fail with a
            // NullReferenceException, which would pass for a refusal. Such an answer (a proxy's, an outage's) is
            // thrown with its status instead, for the destination to retry or refuse by it.
            if (code >= 400)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!body.TrimStart().StartsWith('{'))
                {
                    response.Dispose();
                    throw new TokenEndpointException(response.StatusCode);
                }
            }

            return response;
        }
    }
}

/// <summary>Google's token endpoint (or metadata server) answered with a redirect, which is not followed.</summary>
internal sealed class TokenRedirectException(HttpStatusCode status, Uri? location)
    : HttpRequestException(
        $"Google's token endpoint answered {(int)status}, {(location is null ? "a redirect without a Location" : $"a redirect to {location.OriginalString}")}, which is not followed",
        null,
        status);

/// <summary>Google's token endpoint (or metadata server) answered an error without an OAuth error object.</summary>
internal sealed class TokenEndpointException(HttpStatusCode status)
    : HttpRequestException($"Google's token endpoint answered {(int)status} without an OAuth error body", null, status);
