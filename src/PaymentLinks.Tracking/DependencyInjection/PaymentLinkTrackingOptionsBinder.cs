using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace PaymentLinks.Tracking;

/// <summary>
/// Binds <see cref="PaymentLinkTrackingOptions"/> from a configuration section, by hand.
/// </summary>
/// <remarks>
/// Neither ConfigurationBinder nor its 8.x source generator fits: the first uses reflection (not trim or AOT safe),
/// the second skips the init-only properties of <see cref="UtmCodes"/> and no longer compiles on newer C# compilers.
/// Five options do not need either. Problems (a value that does not convert, a key that is no option) are kept for
/// <see cref="PaymentLinkTrackingOptionsValidator"/>, so that start-up reports every problem at once.
/// </remarks>
internal static class PaymentLinkTrackingOptionsBinder
{
    private static readonly string[] Keys =
    [
        nameof(PaymentLinkTrackingOptions.SigningSecrets), nameof(PaymentLinkTrackingOptions.Tolerance),
        nameof(PaymentLinkTrackingOptions.MaxPayloadBytes), nameof(PaymentLinkTrackingOptions.DefaultUtm),
        nameof(PaymentLinkTrackingOptions.Links), nameof(PaymentLinkTrackingOptions.StripeApiKey),
    ];

    // The ledger's section (PaymentLinkTracking:Ledger), read by the ledger's registration, not by these options.
    private const string LedgerSection = "Ledger";

    private static readonly string[] UtmKeys =
    [
        nameof(UtmCodes.Source), nameof(UtmCodes.Medium), nameof(UtmCodes.Campaign), nameof(UtmCodes.Term), nameof(UtmCodes.Content),
    ];

    public static void Bind(IConfiguration configuration, PaymentLinkTrackingOptions options)
    {
        foreach (var section in configuration.GetChildren())
        {
            if (!Keys.Contains(section.Key, StringComparer.OrdinalIgnoreCase)
                && !string.Equals(section.Key, LedgerSection, StringComparison.OrdinalIgnoreCase))
            {
                options.BindingFailures.Add(
                    $"{section.Path} is not an option of {nameof(PaymentLinkTrackingOptions)}; the options are {string.Join(", ", Keys)}.");
            }
        }

        BindSigningSecrets(configuration.GetSection(nameof(options.SigningSecrets)), options);

        if (configuration.GetSection(nameof(options.Tolerance)) is { Value: { } tolerance } toleranceSection)
        {
            if (TimeSpan.TryParse(tolerance, CultureInfo.InvariantCulture, out var value))
            {
                options.Tolerance = value;
            }
            else
            {
                options.BindingFailures.Add($"{toleranceSection.Path} is not a time span such as 00:05:00 (five minutes).");
            }
        }

        if (configuration.GetSection(nameof(options.MaxPayloadBytes)) is { Value: { } maxPayloadBytes } maxPayloadBytesSection)
        {
            if (int.TryParse(maxPayloadBytes, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                options.MaxPayloadBytes = value;
            }
            else
            {
                options.BindingFailures.Add($"{maxPayloadBytesSection.Path} is not a whole number of bytes.");
            }
        }

        BindDefaultUtm(configuration.GetSection(nameof(options.DefaultUtm)), options);

        if (configuration[nameof(options.StripeApiKey)] is { } stripeApiKey)
        {
            options.StripeApiKey = stripeApiKey;
        }

        foreach (var link in configuration.GetSection(nameof(options.Links)).GetChildren())
        {
            if (link.Value is not null)
            {
                options.Links[link.Key] = link.Value;
            }
        }
    }

    private static void BindSigningSecrets(IConfigurationSection section, PaymentLinkTrackingOptions options)
    {
        foreach (var child in section.GetChildren())
        {
            // Binding the same section twice must not list a secret twice.
            if (child.Value is { } secret && !options.SigningSecrets.Contains(secret))
            {
                options.SigningSecrets.Add(secret);
            }
        }
    }

    private static void BindDefaultUtm(IConfigurationSection section, PaymentLinkTrackingOptions options)
    {
        foreach (var child in section.GetChildren())
        {
            if (!UtmKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                options.BindingFailures.Add($"{child.Path} is not a UTM code; the codes are {string.Join(", ", UtmKeys)}.");
            }
        }

        // UtmCodes is immutable: a configured code replaces the default's, the others are kept.
        var defaults = options.DefaultUtm ?? UtmCodes.None;
        options.DefaultUtm = defaults with
        {
            Source = section[nameof(UtmCodes.Source)] ?? defaults.Source,
            Medium = section[nameof(UtmCodes.Medium)] ?? defaults.Medium,
            Campaign = section[nameof(UtmCodes.Campaign)] ?? defaults.Campaign,
            Term = section[nameof(UtmCodes.Term)] ?? defaults.Term,
            Content = section[nameof(UtmCodes.Content)] ?? defaults.Content,
        };
    }
}
