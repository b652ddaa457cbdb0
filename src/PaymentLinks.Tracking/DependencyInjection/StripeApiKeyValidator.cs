using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>
/// Added by <c>AddPaymentLinkStripeApi()</c>: at start-up, the Stripe API services need a key or a registered
/// <see cref="IStripeClient"/>, rather than failing at the first request.
/// </summary>
internal sealed class StripeApiKeyValidator(IServiceProviderIsService services) : IValidateOptions<PaymentLinkTrackingOptions>
{
    public const string MissingKey =
        $"The Stripe API services need a key: set {nameof(PaymentLinkTrackingOptions)}.{nameof(PaymentLinkTrackingOptions.StripeApiKey)} "
        + $"(e.g. the environment variable PaymentLinkTracking__StripeApiKey) or register an {nameof(IStripeClient)}.";

    public ValidateOptionsResult Validate(string? name, PaymentLinkTrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(options.StripeApiKey) && !services.IsService(typeof(IStripeClient))
            ? ValidateOptionsResult.Fail(MissingKey)
            : ValidateOptionsResult.Success;
    }
}
