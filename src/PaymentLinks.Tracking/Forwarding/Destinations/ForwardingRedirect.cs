using System.Net;

namespace PaymentLinks.Tracking;

/// <summary>
/// A destination's request was answered with a redirect, which is never followed: a moved or hijacked endpoint neither
/// receives the conversion at another address nor passes for a success. The worker refuses the batch with its
/// <c>Location</c>.
/// </summary>
internal sealed class ForwardingRedirectException(HttpStatusCode status, Uri? location)
    : HttpRequestException($"Answered {(int)status} {status}, a redirect, which is not followed.")
{
    public string Describe(string destination)
    {
        var target = location is { } uri ? $"a redirect to {uri.OriginalString}" : "a redirect without a Location";
        return $"{destination} answered {(int)status} {status}, {target}, which is not followed: set the destination's URL to the address that answers.";
    }
}

/// <summary>
/// In a destination's named client: turns a redirect answer into a <see cref="ForwardingRedirectException"/>, so that no
/// destination's own code can follow or accept one.
/// </summary>
internal sealed class RedirectRefusingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var code = (int)response.StatusCode;
        if (code is >= 300 and < 400)
        {
            var location = response.Headers.Location;
            response.Dispose();
            throw new ForwardingRedirectException((HttpStatusCode)code, location);
        }

        return response;
    }
}
