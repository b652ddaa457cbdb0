using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace PaymentLinks.Tracking;

/// <summary>
/// The <c>PaymentLinkTracking</c> section as <see cref="PaymentLinkTrackingOptions"/> sees it: without its
/// <c>Ledger</c> child, which the ledger engine's registration reads, and its <c>Forwarding</c> child, which
/// <c>AddPaymentLinkForwarding</c> reads, so that binding still reports every other key that is no option.
/// </summary>
internal sealed class ConfigurationWithoutLedger(IConfiguration section) : IConfiguration
{
    internal const string LedgerKey = "Ledger";

    internal const string ForwardingKey = "Forwarding";

    public string? this[string key]
    {
        get => section[key];
        set => section[key] = value;
    }

    public IEnumerable<IConfigurationSection> GetChildren() =>
        section.GetChildren().Where(child =>
            !string.Equals(child.Key, LedgerKey, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(child.Key, ForwardingKey, StringComparison.OrdinalIgnoreCase));

    public IChangeToken GetReloadToken() => section.GetReloadToken();

    public IConfigurationSection GetSection(string key) => section.GetSection(key);
}
