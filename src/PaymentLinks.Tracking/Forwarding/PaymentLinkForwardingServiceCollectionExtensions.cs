using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds forwarding of conversions (Google Analytics 4, Meta, a signed webhook, TikTok) to an <see cref="IServiceCollection"/>.</summary>
public static class PaymentLinkForwardingServiceCollectionExtensions
{
    /// <summary>
    /// Adds forwarding, configured from a section such as <c>PaymentLinkTracking:Forwarding</c>: each paid session
    /// enters the ledger's outbox in the transaction that makes it paid, once per configured destination, and a hosted
    /// worker sends it until the destination answers 2xx. Also registers <see cref="IPaymentLinkForwarding"/>. Needs a
    /// ledger (<c>AddSqliteLedger</c> or <c>AddPostgreSqlLedger</c>). The options are validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind <see cref="PaymentLinkForwardingOptions"/> from.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    ///     .AddSqliteLedger("Data Source=paymentlinks-ledger.db")
    ///     .AddPaymentLinkForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding"));
    /// </code>
    /// </example>
    public static IServiceCollection AddPaymentLinkForwarding(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // The sections destinations claimed (AddConversionDestination<T>(sectionName)) are theirs to bind, whenever they
        // were added: the binding runs when the options are first read.
        services.AddOptions<PaymentLinkForwardingOptions>().Configure<IEnumerable<ClaimedForwardingSection>>(
            (options, claimed) => ForwardingConfiguration.Bind(configuration, options, claimed));
        return services.AddPaymentLinkForwarding(_ => { });
    }

    /// <summary>
    /// Adds forwarding, configured in code; see <see cref="AddPaymentLinkForwarding(IServiceCollection, IConfiguration)"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddPaymentLinkForwarding(this IServiceCollection services, Action<PaymentLinkForwardingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PaymentLinkForwardingOptions>().Configure(configure).ValidateOnStart();
        if (services.Any(d => d.ServiceType == typeof(ForwardingServices)))
        {
            return services;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentLinkForwardingOptions>, PaymentLinkForwardingOptionsValidator>());
        services.AddSingleton(provider => new ForwardingServices(
            provider.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value,
            provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetServices<ConversionDestinationRegistration>().Select(added => (added.Create(provider), added.HttpClientName))));
        foreach (var destination in ForwardingDestination.BuiltIn)
        {
            ForwardingHttpClients.Add(services, $"PaymentLinks.Tracking.Forwarding.{destination.Name}");
        }

        ForwardingHttpClients.Add(services, ForwardingHttpClients.TikTok).AddHttpMessageHandler(() => new RedirectRefusingHandler());

        services.TryAddSingleton<IPaymentLinkForwarding>(provider =>
        {
            var forwarding = provider.GetRequiredService<ForwardingServices>();
            return new PaymentLinkForwarding(
                LedgerOf(provider),
                forwarding.BuiltIn,
                forwarding.Destinations,
                provider.GetRequiredService<IHttpClientFactory>(),
                provider.GetService<TimeProvider>() ?? TimeProvider.System,
                forwarding.Options.RequestTimeout);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ForwardingWorker>(provider =>
        {
            var forwarding = provider.GetRequiredService<ForwardingServices>();
            return new ForwardingWorker(
                LedgerOf(provider),
                forwarding.Options,
                forwarding.Destinations,
                provider.GetRequiredService<IHttpClientFactory>(),
                provider.GetService<TimeProvider>() ?? TimeProvider.System,
                provider.GetService<ILogger<ForwardingWorker>>() ?? NullLogger<ForwardingWorker>.Instance);
        }));
        return services;
    }

    private static DbPaymentLinkLedger LedgerOf(IServiceProvider provider) =>
        provider.GetService<DbPaymentLinkLedger>() ?? throw new InvalidOperationException(
            "Forwarding conversions needs the ledger: add AddSqliteLedger(...) or AddPostgreSqlLedger(...) beside AddPaymentLinkForwarding(...).");
}

/// <summary>The named clients destinations send through: no redirect followed, no timeout of their own, no request logging.</summary>
internal static class ForwardingHttpClients
{
    /// <summary>TikTok's client.</summary>
    public const string TikTok = $"PaymentLinks.Tracking.Forwarding.{TikTokDestination.DestinationName}";

    public static IHttpClientBuilder Add(IServiceCollection services, string name) =>
        // The factory's own logging writes each request's URL, and GA4's carries the API secret: it is removed.
        // A redirect is not followed: the answer is a failure that names its Location.
        services.AddHttpClient(name)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(NoRedirects)
            .RemoveAllLoggers();

    /// <summary>
    /// Turns off following redirects on the primary handler the factory built, keeping the host's other defaults (a
    /// proxy, certificates). A handler of the host's own type is the host's to configure; a redirect it hands back is
    /// still a failure.
    /// </summary>
    private static void NoRedirects(HttpMessageHandler handler, IServiceProvider services)
    {
        switch (handler)
        {
            case HttpClientHandler client:
                client.AllowAutoRedirect = false;
                break;
            case SocketsHttpHandler sockets:
                sockets.AllowAutoRedirect = false;
                break;
        }
    }
}
