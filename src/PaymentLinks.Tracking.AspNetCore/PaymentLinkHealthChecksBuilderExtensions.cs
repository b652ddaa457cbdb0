using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the payment-link ledger's health check to an <see cref="IHealthChecksBuilder"/>.</summary>
public static class PaymentLinkHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the ledger: <c>Unhealthy</c> when it cannot be reached, <c>Degraded</c> when sessions are parked,
    /// catch-up refused events, conversions are dead or refused in the forwarding outbox, or the catch-up watermark is older than
    /// <see cref="PaymentLinkHealthCheckOptions.MaxCatchUpLag"/>, with the counts (<c>pending_sessions</c>,
    /// <c>parked_sessions</c>, <c>refused_catch_up_events</c>, <c>dead_conversions</c>, <c>failed_conversions</c>, <c>catch_up_lag_seconds</c>)
    /// in the result's data.
    /// Map it with <c>app.MapHealthChecks("/health")</c>.
    /// </summary>
    /// <param name="builder">The health checks builder, from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="configure">Sets what degrades the check; the defaults when <see langword="null"/>.</param>
    /// <param name="name">The check's name.<value>The default is <c>paymentlinks</c>.</value></param>
    /// <param name="tags">Tags to filter checks by, such as <c>ready</c>.</param>
    /// <returns>The builder, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddHealthChecks().AddPaymentLinkTracking(options => options.MaxCatchUpLag = TimeSpan.FromHours(2));
    /// app.MapHealthChecks("/health");
    /// </code>
    /// </example>
    public static IHealthChecksBuilder AddPaymentLinkTracking(
        this IHealthChecksBuilder builder, Action<PaymentLinkHealthCheckOptions>? configure = null, string name = "paymentlinks", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        var options = builder.Services.AddOptions<PaymentLinkHealthCheckOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new PaymentLinkHealthCheck(
                provider,
                provider.GetRequiredService<IOptionsMonitor<PaymentLinkHealthCheckOptions>>(),
                name,
                provider.GetService<TimeProvider>() ?? TimeProvider.System),
            failureStatus: null,
            tags));
    }
}
