using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>
/// The Stripe client of the Stripe API services: the host's own <see cref="IStripeClient"/> when it registered one,
/// else one client for <see cref="PaymentLinkTrackingOptions.StripeApiKey"/>, made once per options version.
/// </summary>
internal sealed class StripeClientSource(IOptionsMonitor<PaymentLinkTrackingOptions> options)
{
    private (string Key, StripeClient Client)? _current;

    public IStripeClient GetClient(IServiceProvider provider)
    {
        if (provider.GetService<IStripeClient>() is { } registered)
        {
            return registered;
        }

        var key = options.CurrentValue.StripeApiKey;
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException(
                $"The Stripe API services need a key: set {nameof(PaymentLinkTrackingOptions)}.{nameof(PaymentLinkTrackingOptions.StripeApiKey)} "
                + $"(e.g. the environment variable PaymentLinkTracking__StripeApiKey) or register an {nameof(IStripeClient)}.");
        }

        // StripeClient is thread-safe and meant to be shared; a new one only when the key changes.
        var current = _current;
        if (current is not { } known || known.Key != key)
        {
            current = (key, new StripeClient(key));
            _current = current;
        }

        return current.Value.Client;
    }
}
