using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Whether the app receives Stripe's webhooks, so that a missing signing secret is a bad setting: set when a webhook
/// endpoint is mapped. Until then no secret is needed (an app may only build links or read the report).
/// </summary>
/// <param name="configurations">The options' setup, to name the configuration key the secret is read from.</param>
internal sealed class WebhookSigningSecretRequirement(IEnumerable<IConfigureOptions<PaymentLinkTrackingOptions>> configurations)
{
    private volatile bool _required;

    /// <summary>Whether a webhook endpoint is mapped.</summary>
    public bool IsRequired => _required;

    /// <summary>
    /// Says where the secret goes: the configuration key (and its environment variable) when the options are bound from
    /// a section, with a hint when that section is not in the configuration at all (a misspelled name), or else the
    /// option's name in code.
    /// </summary>
    public string Problem
    {
        get
        {
            const string Start = "No webhook signing secret is configured, but a webhook endpoint is mapped, so every webhook would fail";
            var section = configurations.OfType<PaymentLinkTrackingConfiguration>().Select(c => c.Section).OfType<IConfigurationSection>().FirstOrDefault();
            if (section is null)
            {
                return $"{Start}: add the endpoint's signing secret (whsec_...) to {nameof(PaymentLinkTrackingOptions)}.{nameof(PaymentLinkTrackingOptions.SigningSecrets)}.";
            }

            var key = $"{section.Path}:{nameof(PaymentLinkTrackingOptions.SigningSecrets)}";
            var missingSection = section.Exists()
                ? string.Empty
                : $" The configuration has no section {section.Path} at all: check its name.";
            return $"{Start}: set {key} (e.g. the environment variable {key.Replace(":", "__", StringComparison.Ordinal)}__0) to the endpoint's signing secret (whsec_...).{missingSection}";
        }
    }

    /// <summary>Marks the secret as needed from now on.</summary>
    public void Require() => _required = true;
}
