using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaymentLinks.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a conversion destination of your own (<see cref="IConversionDestination"/>) to the forwarding outbox.</summary>
public static class ConversionDestinationServiceCollectionExtensions
{
    /// <summary>
    /// Adds <typeparamref name="T"/> as a destination of the forwarding outbox, created once by the container (its
    /// constructor may take <c>IOptions&lt;TOptions&gt;</c>, a <see cref="TimeProvider"/>, a logger). Its conversions
    /// get what the built-in destinations get: written in the paid transaction, leased, batched, retried within its
    /// window, paused by a circuit while it fails, listed, counted in the metrics, erased with their session. Its
    /// requests go through a named <see cref="HttpClient"/> of its own that follows no redirect. Needs
    /// <c>AddPaymentLinkForwarding(...)</c> and a ledger; calling it twice for one type adds it once.
    /// </summary>
    /// <typeparam name="T">The destination.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding"))
    ///     .Configure&lt;CrmOptions&gt;(builder.Configuration.GetSection("Crm"))
    ///     .AddConversionDestination&lt;CrmDestination&gt;();
    /// </code>
    /// </example>
    public static IServiceCollection AddConversionDestination<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(
        this IServiceCollection services)
        where T : class, IConversionDestination
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<T>();
        return services.AddConversionDestination(provider => provider.GetRequiredService<T>());
    }

    /// <summary>
    /// Adds <typeparamref name="T"/> as a destination of the forwarding outbox (see
    /// <see cref="AddConversionDestination{T}(IServiceCollection)"/>) that takes its settings from the section
    /// <paramref name="sectionName"/> under <c>PaymentLinkTracking:Forwarding</c>: the section is the destination's to
    /// bind, so that <c>AddPaymentLinkForwarding(configuration)</c>, which refuses a key that is none of its options,
    /// leaves it alone (any other unknown section is still refused at start-up, a misspelt one among them).
    /// </summary>
    /// <typeparam name="T">The destination.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="sectionName">The section's name under <c>PaymentLinkTracking:Forwarding</c>, such as <c>Crm</c>: one key, without <c>:</c>.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="sectionName"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="sectionName"/> is empty, white space, or holds a <c>:</c>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding"))
    ///     .Configure&lt;CrmOptions&gt;(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding:Crm"))
    ///     .AddConversionDestination&lt;CrmDestination&gt;("Crm");
    /// </code>
    /// </example>
    public static IServiceCollection AddConversionDestination<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(
        this IServiceCollection services, string sectionName)
        where T : class, IConversionDestination
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        if (sectionName.Contains(':', StringComparison.Ordinal) || sectionName.Trim().Length != sectionName.Length)
        {
            throw new ArgumentException($"A forwarding section's name is one key under PaymentLinkTracking:Forwarding, without ':' or surrounding white space: '{sectionName}'.", nameof(sectionName));
        }

        if (!services.Any(d => d.ImplementationInstance is ClaimedForwardingSection claimed && string.Equals(claimed.Name, sectionName, StringComparison.OrdinalIgnoreCase)))
        {
            services.AddSingleton(new ClaimedForwardingSection(sectionName));
        }

        return services.AddConversionDestination<T>();
    }

    /// <summary>
    /// Adds the destination <paramref name="factory"/> creates (once) as a destination of the forwarding outbox; see
    /// <see cref="AddConversionDestination{T}(IServiceCollection)"/>.
    /// </summary>
    /// <typeparam name="T">The destination.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="factory">Creates the destination from the container.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddConversionDestination<T>(this IServiceCollection services, Func<IServiceProvider, T> factory)
        where T : class, IConversionDestination
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        if (services.Any(d => d.ServiceType == typeof(ConversionDestinationRegistration) && d.ImplementationInstance is ConversionDestinationRegistration r && r.Type == typeof(T)))
        {
            return services;
        }

        var registration = new ConversionDestinationRegistration(typeof(T), provider => factory(provider));
        services.AddSingleton(registration);
        ForwardingHttpClients.Add(services, registration.HttpClientName)
            .AddHttpMessageHandler(() => new RedirectRefusingHandler());
        return services;
    }
}

/// <summary>A destination added with <c>AddConversionDestination</c>: its type, how it is made, and its named client.</summary>
internal sealed class ConversionDestinationRegistration(Type type, Func<IServiceProvider, IConversionDestination> create)
{
    public Type Type { get; } = type;

    public Func<IServiceProvider, IConversionDestination> Create { get; } = create;

    public string HttpClientName { get; } = $"PaymentLinks.Tracking.Forwarding.{type.FullName}";
}

/// <summary>A section under <c>PaymentLinkTracking:Forwarding</c> that a destination of its own binds.</summary>
internal sealed record ClaimedForwardingSection(string Name);
