using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;
using Stripe;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds PaymentLinks.Tracking to an <see cref="IServiceCollection"/>.</summary>
public static class PaymentLinkTrackingServiceCollectionExtensions
{
    /// <summary>
    /// Adds payment link tracking, configured in code: an <see cref="IPaymentLinkUrlFactory"/> for the configured links,
    /// and <see cref="PaymentLinkWebhookReceiver"/> for webhooks, on the registered <see cref="TimeProvider"/> or else the
    /// system clock. The options are validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <remarks>
    /// Inject <see cref="PaymentLinkWebhookReceiver"/> to receive webhooks: it follows the options, so a secret added
    /// while one is rolled is used from the next request on. <see cref="PaymentLinkWebhookParser"/> is not registered,
    /// because it keeps the settings it was built with; build one yourself where no container is used.
    /// </remarks>
    /// <param name="configure">Sets the options; called each time the options are built.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// services.AddPaymentLinkTracking(options =>
    /// {
    ///     options.SigningSecrets.Add(webhookSecret);
    ///     options.DefaultUtm = new UtmCodes { Source = "website" };
    ///     options.Links["pro-monthly"] = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddPaymentLinkTracking(this IServiceCollection services, Action<PaymentLinkTrackingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddPaymentLinkTrackingServices().Configure(configure);
        return services;
    }

    /// <summary>
    /// Adds payment link tracking, configured from a configuration section such as <c>"PaymentLinkTracking"</c> in
    /// appsettings.json: an <see cref="IPaymentLinkUrlFactory"/> for the configured links, and
    /// <see cref="PaymentLinkWebhookReceiver"/> for webhooks, on the registered <see cref="TimeProvider"/> or else the
    /// system clock. The options are validated when the host starts, and follow the section when it is reloaded.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind <see cref="PaymentLinkTrackingOptions"/> from.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"));
    /// </code>
    /// </example>
    public static IServiceCollection AddPaymentLinkTracking(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPaymentLinkTrackingServices();

        // The same section added twice is bound once: binding appends to lists, so it would list each secret twice.
        if (services.Any(d => d.ImplementationInstance is PaymentLinkTrackingConfiguration bound && ReferenceEquals(bound.Section, configuration)))
        {
            return services;
        }

        // The change token makes a reloaded section reach IOptionsMonitor.
        services.AddSingleton<IOptionsChangeTokenSource<PaymentLinkTrackingOptions>>(
            new ConfigurationChangeTokenSource<PaymentLinkTrackingOptions>(configuration));
        services.AddSingleton<IConfigureOptions<PaymentLinkTrackingOptions>>(new PaymentLinkTrackingConfiguration(configuration));
        return services;
    }

    /// <summary>
    /// Adds <see cref="PaymentLinkCreator"/>, <see cref="CheckoutConversionReader"/> and, for a registered ledger,
    /// <see cref="IPaymentLinkLedgerCatchUp"/>, on the
    /// <see cref="IStripeClient"/> the host registered or else on a client for
    /// <see cref="PaymentLinkTrackingOptions.StripeApiKey"/> and <see cref="PaymentLinkTrackingOptions.StripeApiBase"/>.
    /// Call it besides <c>AddPaymentLinkTracking(...)</c>. When the host starts, a missing key (with no
    /// <see cref="IStripeClient"/> registered) stops it with a message naming the option.
    /// </summary>
    /// <remarks>
    /// A separate call because Stripe.net is not trim or AOT safe: an application that only builds links and receives
    /// webhooks stays so. The services are transient and cheap; the client made from the key is built once per options
    /// version, so a rolled key reaches services resolved after the change.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    ///     .AddPaymentLinkStripeApi();
    /// </code>
    /// </example>
    [RequiresUnreferencedCode(StripeNetTrimming.Message)]
    [RequiresDynamicCode(StripeNetTrimming.Message)]
    public static IServiceCollection AddPaymentLinkStripeApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddPaymentLinkTrackingServices();
        services.TryAddSingleton<StripeClientSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentLinkTrackingOptions>, StripeApiKeyValidator>());
        services.TryAddTransient(provider => new PaymentLinkCreator(provider.GetRequiredService<StripeClientSource>().GetClient(provider)));
        services.TryAddTransient(provider => new CheckoutConversionReader(provider.GetRequiredService<StripeClientSource>().GetClient(provider)));
        CatchUpServices.Add(services);
        return services;
    }

    private static OptionsBuilder<PaymentLinkTrackingOptions> AddPaymentLinkTrackingServices(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentLinkTrackingOptions>, PaymentLinkTrackingOptionsValidator>());
        services.TryAddSingleton<WebhookSigningSecretRequirement>();
        services.TryAddSingleton<IPaymentLinkUrlFactory>(provider => new PaymentLinkUrlFactory(
            provider.GetRequiredService<IOptionsMonitor<PaymentLinkTrackingOptions>>(),
            LoggerFor<PaymentLinkUrlFactory>(provider),
            () => provider.GetService<IPaymentLinkAttribution>()));

        // The reader and the receiver follow options changes; the receiver logs and stores. No PaymentLinkWebhookParser is
        // registered: it copies its settings once, so an injected one would miss a rolled secret.
        services.TryAddSingleton(provider => new PaymentLinkWebhookReader(
            provider.GetRequiredService<IOptionsMonitor<PaymentLinkTrackingOptions>>(),
            TimeProviderOf(provider)));
        services.TryAddSingleton(provider => new PaymentLinkWebhookReceiver(
            provider.GetRequiredService<PaymentLinkWebhookReader>(),
            LoggerFor<PaymentLinkWebhookReceiver>(provider),
            provider.GetService<IPaymentLinkLedger>()));

        // ValidateOnStart keeps one entry per options type and name, so a second call adds nothing.
        return services.AddOptions<PaymentLinkTrackingOptions>().ValidateOnStart();
    }

    private static TimeProvider TimeProviderOf(IServiceProvider provider) =>
        provider.GetService<TimeProvider>() ?? TimeProvider.System;

    // Logging is optional: a host without it still gets working services.
    private static ILogger<T> LoggerFor<T>(IServiceProvider provider) =>
        provider.GetService<ILogger<T>>() ?? NullLogger<T>.Instance;
}
