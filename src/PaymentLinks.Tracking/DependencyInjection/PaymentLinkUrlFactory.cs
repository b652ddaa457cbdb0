using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>The registered <see cref="IPaymentLinkUrlFactory"/>: configured links parsed once per options version.</summary>
internal sealed class PaymentLinkUrlFactory : IPaymentLinkUrlFactory
{
    private readonly IOptionsMonitor<PaymentLinkTrackingOptions> _options;
    private readonly ILogger _logger;
    private readonly Lazy<IPaymentLinkAttribution?> _attribution;
    private ConfiguredLinks? _links;

    public PaymentLinkUrlFactory(
        IOptionsMonitor<PaymentLinkTrackingOptions> options,
        ILogger<PaymentLinkUrlFactory> logger,
        Func<IPaymentLinkAttribution?>? attribution = null)
    {
        _options = options;
        _logger = logger;
        _attribution = new Lazy<IPaymentLinkAttribution?>(attribution ?? (() => null));
    }

    public IReadOnlyCollection<string> LinkNames => CurrentLinks().Names;

    public PaymentLinkUrl Create(string linkName)
    {
        ArgumentNullException.ThrowIfNull(linkName);
        var links = CurrentLinks();
        return WithCampaignKey(linkName, links.Get(linkName), links.Options);
    }

    public PaymentLinkUrl Create(string linkName, Func<PaymentLinkUrl, PaymentLinkUrl> customize)
    {
        ArgumentNullException.ThrowIfNull(linkName);
        ArgumentNullException.ThrowIfNull(customize);
        var links = CurrentLinks();
        var configured = links.Get(linkName);
        var link = customize(configured)
            ?? throw new InvalidOperationException($"The function that customizes payment link '{linkName}' returned null.");

        if (_logger.IsEnabled(LogLevel.Warning))
        {
            LogNewDrops(linkName, configured, link);
        }

        return WithCampaignKey(linkName, link, links.Options);
    }

    // With CampaignKeys on: the key of the codes the link carries, after the caller's reference (a key already there is
    // replaced), and registered before the link is handed out, so that a payment through it can be attributed.
    private PaymentLinkUrl WithCampaignKey(string linkName, PaymentLinkUrl link, PaymentLinkTrackingOptions options)
    {
        if (!options.CampaignKeys)
        {
            return link;
        }

        var utm = link.Utm;
        if (utm.IsEmpty)
        {
            return link;
        }

        var attribution = _attribution.Value ?? throw new InvalidOperationException(
            $"{nameof(PaymentLinkTrackingOptions)}.{nameof(PaymentLinkTrackingOptions.CampaignKeys)} is on, but no ledger is registered to keep the keys: " +
            "add one with AddSqliteLedger(...) or AddPostgreSqlLedger(...).");
        var current = ClientReferenceCodec.Decode(link.ClientReferenceId);
        var encoded = ClientReferenceCodec.Encode(current.MerchantReference, CampaignKey.For(utm));
        if (!encoded.IsKeyIncluded)
        {
            PaymentLinkTrackingLog.CampaignKeyLeftOut(_logger, linkName, encoded.ToString());
            return link;
        }

        // Waits only the first time this process sees the key; later calls find it in the ledger's set of known keys.
        var registration = attribution.RegisterCampaignKeyAsync(encoded.Key, utm);
        if (!registration.IsCompletedSuccessfully)
        {
            registration.GetAwaiter().GetResult();
        }

        return link.WithClientReferenceId(encoded.ClientReferenceId);
    }

    // Only the drops the customization added: those of the configured link were refused by validation already.
    private void LogNewDrops(string linkName, PaymentLinkUrl configured, PaymentLinkUrl link)
    {
        var earlier = configured.Dropped;
        foreach (var dropped in link.Dropped)
        {
            if (!earlier.Contains(dropped))
            {
                PaymentLinkTrackingLog.ParameterDropped(_logger, linkName, dropped.Name, dropped.Reason, dropped.Check.ToString());
            }
        }
    }

    private ConfiguredLinks CurrentLinks()
    {
        // The monitor hands out the same instance until the options change, so a reference check finds a new version.
        var options = _options.CurrentValue;
        var links = Volatile.Read(ref _links);
        if (links is null || !ReferenceEquals(links.Options, options))
        {
            // Two threads may build the same version at once; either result is right, and one is kept.
            links = new ConfiguredLinks(options);
            Volatile.Write(ref _links, links);
        }

        return links;
    }

    private sealed class ConfiguredLinks
    {
        private readonly Dictionary<string, PaymentLinkUrl> _links;

        public ConfiguredLinks(PaymentLinkTrackingOptions options)
        {
            Options = options;
            var comparer = (options.Links as Dictionary<string, string>)?.Comparer ?? StringComparer.OrdinalIgnoreCase;
            _links = new Dictionary<string, PaymentLinkUrl>(options.Links.Count, comparer);
            foreach (var (name, url) in options.Links)
            {
                _links[name] = ApplyDefaults(PaymentLinkUrl.Parse(url), options.DefaultUtm);
            }

            Names = _links.Keys.Order(StringComparer.Ordinal).ToArray().AsReadOnly();
        }

        public PaymentLinkTrackingOptions Options { get; }

        public System.Collections.ObjectModel.ReadOnlyCollection<string> Names { get; }

        public PaymentLinkUrl Get(string name) =>
            _links.TryGetValue(name, out var link) ? link : throw new KeyNotFoundException(DescribeUnknown(name));

        private static PaymentLinkUrl ApplyDefaults(PaymentLinkUrl link, UtmCodes defaults)
        {
            foreach (var parameter in (ReadOnlySpan<PaymentLinkParameter>)
                [PaymentLinkParameter.UtmSource, PaymentLinkParameter.UtmMedium, PaymentLinkParameter.UtmCampaign,
                 PaymentLinkParameter.UtmTerm, PaymentLinkParameter.UtmContent])
            {
                if (defaults[parameter] is { } value && link.Get(parameter) is null)
                {
                    link = link.With(parameter, value);
                }
            }

            return link;
        }

        private string DescribeUnknown(string name) => Names.Count == 0
            ? $"No payment link named '{name}' is configured: {nameof(PaymentLinkTrackingOptions)}.{nameof(PaymentLinkTrackingOptions.Links)} is empty."
            : $"No payment link named '{name}' is configured in {nameof(PaymentLinkTrackingOptions)}.{nameof(PaymentLinkTrackingOptions.Links)}; "
              + $"the configured names are: {string.Join(", ", Names)}.";
    }
}
