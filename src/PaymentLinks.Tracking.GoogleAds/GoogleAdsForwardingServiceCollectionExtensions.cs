using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking.GoogleAds;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Google Ads destination (Google's Data Manager API) to the forwarding outbox.</summary>
public static class GoogleAdsForwardingServiceCollectionExtensions
{
    /// <summary>
    /// Adds Google Ads as a destination of the forwarding outbox, configured from a section such as
    /// <c>PaymentLinkTracking:Forwarding:GoogleAds</c> (<see cref="GoogleAdsForwardingOptions"/>): each paid session
    /// goes to the configured conversion action through the Data Manager API's <c>events:ingest</c>. Needs
    /// <c>AddPaymentLinkForwarding(...)</c> and a ledger. The options and the credential are checked when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind <see cref="GoogleAdsForwardingOptions"/> from.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding"))
    ///     .AddGoogleAdsForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding:GoogleAds"));
    /// </code>
    /// </example>
    public static IServiceCollection AddGoogleAdsForwarding(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddGoogleAdsForwarding(options => Bind(configuration, options));
    }

    /// <summary>Adds Google Ads as a destination, configured in code; see <see cref="AddGoogleAdsForwarding(IServiceCollection, IConfiguration)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddGoogleAdsForwarding(this IServiceCollection services, Action<GoogleAdsForwardingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<GoogleAdsForwardingOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GoogleAdsForwardingOptions>, GoogleAdsForwardingOptionsValidator>());
        return services.AddConversionDestination<GoogleAdsDestination>(GoogleAdsForwardingOptionsValidator.SectionName);
    }

    private static void Bind(IConfiguration section, GoogleAdsForwardingOptions options)
    {
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder may quote a value that does not convert; an inline key is not repeated.
            var message = string.IsNullOrEmpty(options.CredentialsJson) ? e.Message : e.Message.Replace(options.CredentialsJson, "[redacted]", StringComparison.Ordinal);
            options.BindingFailures.Add($"{GoogleAdsForwardingOptionsValidator.Section}: {message}");
        }
    }
}
