using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>
/// The Stripe client of the Stripe API services: the host's own <see cref="IStripeClient"/> when it registered one,
/// else one client for <see cref="PaymentLinkTrackingOptions.StripeApiKey"/> and
/// <see cref="PaymentLinkTrackingOptions.StripeApiBase"/>, made once per key and base.
/// </summary>
internal sealed class StripeClientSource(IOptionsMonitor<PaymentLinkTrackingOptions> options)
{
    private ClientForKey? _current;

    public IStripeClient GetClient(IServiceProvider provider)
    {
        if (provider.GetService<IStripeClient>() is { } registered)
        {
            return registered;
        }

        var currentOptions = options.CurrentValue;
        var key = currentOptions.StripeApiKey;
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException(StripeApiKeyValidator.MissingKey);
        }

        // StripeClient is thread-safe and meant to be shared; a new one only when the key or the base changes. The
        // three are one immutable object, swapped whole, so a caller never gets a client for another key.
        var apiBase = currentOptions.StripeApiBase.AbsoluteUri.TrimEnd('/');
        var current = Volatile.Read(ref _current);
        if (current is null || current.Key != key || current.ApiBase != apiBase)
        {
            current = new ClientForKey(key, apiBase, new StripeClient(apiKey: key, apiBase: apiBase, httpClient: NoRedirects.Value));
            Volatile.Write(ref _current, current);
        }

        return current.Client;
    }

    /// <summary>
    /// The HTTP client every made <see cref="StripeClient"/> shares: Stripe's own retries, but no redirect followed, so
    /// that a moved or hijacked API base never receives the key's requests at another address (a 3xx is an error).
    /// </summary>
    private static readonly Lazy<SystemNetHttpClient> NoRedirects = new(() => new SystemNetHttpClient(
        httpClient: new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = SystemNetHttpClient.DefaultHttpTimeout,
        },
        maxNetworkRetries: StripeConfiguration.MaxNetworkRetries));

    private sealed record ClientForKey(string Key, string ApiBase, StripeClient Client);
}
