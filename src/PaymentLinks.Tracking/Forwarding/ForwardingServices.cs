using Microsoft.Extensions.Configuration;

namespace PaymentLinks.Tracking;

/// <summary>The validated forwarding options, the destinations they turn on, and the plan the ledger enqueues by.</summary>
internal sealed class ForwardingServices
{
    public ForwardingServices(PaymentLinkForwardingOptions options)
    {
        Options = options;
        var destinations = new List<ConversionDestination>();
        if (options.GoogleAnalytics.IsConfigured)
        {
            destinations.Add(new GoogleAnalyticsDestination(options.GoogleAnalytics, options.AssumeConsent));
        }

        if (options.Meta.IsConfigured)
        {
            destinations.Add(new MetaDestination(options.Meta, options.AssumeConsent));
        }

        if (options.Webhook.IsConfigured)
        {
            destinations.Add(new WebhookDestination(options.Webhook, options.AssumeConsent));
        }

        Destinations = destinations;
        Plan = ForwardingPlan.From(options);
    }

    public PaymentLinkForwardingOptions Options { get; }

    public IReadOnlyList<ConversionDestination> Destinations { get; }

    public ForwardingPlan? Plan { get; }
}

/// <summary>
/// Binds <see cref="PaymentLinkForwardingOptions"/> with the configuration binder's generated code; a key that is no
/// option, or a value that does not convert, is kept for the validator so that start-up reports it.
/// </summary>
internal static class ForwardingConfiguration
{
    /// <summary>
    /// Sections beside the built-in destinations' that belong to destinations of their own packages, which bind them
    /// (<c>GoogleAds</c>: PaymentLinks.Tracking.GoogleAds): not unknown keys here.
    /// </summary>
    private static readonly HashSet<string> DestinationPackageSections = new(StringComparer.OrdinalIgnoreCase) { "GoogleAds" };

    public static void Bind(IConfiguration section, PaymentLinkForwardingOptions options)
    {
        try
        {
            new WithoutSections(section, DestinationPackageSections).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder may quote a value that does not convert; a secret pasted in the wrong place is not repeated.
            var message = SecretRedaction.Redact(e.Message, apiKey: null);
            foreach (var secret in new[] { options.GoogleAnalytics.ApiSecret, options.Meta.AccessToken, options.Webhook.Secret })
            {
                if (!string.IsNullOrEmpty(secret))
                {
                    message = message.Replace(secret, SecretRedaction.Replacement, StringComparison.Ordinal);
                }
            }

            options.BindingFailures.Add(section is IConfigurationSection { Path: { Length: > 0 } path } ? $"{path}: {message}" : message);
        }
    }
}

/// <summary>A configuration without some of its child sections, for the binder's check of unknown keys.</summary>
internal sealed class WithoutSections(IConfiguration configuration, IReadOnlySet<string> hidden) : IConfiguration
{
    public string? this[string key]
    {
        get => configuration[key];
        set => configuration[key] = value;
    }

    public IEnumerable<IConfigurationSection> GetChildren() => configuration.GetChildren().Where(child => !hidden.Contains(child.Key));

    public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => configuration.GetReloadToken();

    public IConfigurationSection GetSection(string key) => configuration.GetSection(key);
}
