using System.Diagnostics.CodeAnalysis;
using PaymentLinks.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures catching up from Stripe's Events API into the ledger.</summary>
public static class PaymentLinkCatchUpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Stripe API services (as <c>AddPaymentLinkStripeApi()</c> does, which registers
    /// <see cref="IPaymentLinkLedgerCatchUp"/>) and sets the catch-up's options, e.g. to run it in the background on
    /// every instance. A ledger must be registered too. The options are validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; called each time the options are built.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    ///     .AddSqliteLedger("Data Source=paymentlinks-ledger.db")
    ///     .AddPaymentLinkCatchUp(options => options.RunInBackground = true);
    /// </code>
    /// </example>
    [RequiresUnreferencedCode(StripeNetTrimming.Message)]
    [RequiresDynamicCode(StripeNetTrimming.Message)]
    public static IServiceCollection AddPaymentLinkCatchUp(this IServiceCollection services, Action<PaymentLinkCatchUpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddPaymentLinkStripeApi().Configure(configure);
        return services;
    }
}
