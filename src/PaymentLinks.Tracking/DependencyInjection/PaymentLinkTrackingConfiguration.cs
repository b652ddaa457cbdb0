using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Binds <see cref="PaymentLinkTrackingOptions"/> from a configuration section with the configuration binder's generated
/// code (trim- and AOT-safe). A key that is no option, or a value that does not convert, is kept for
/// <see cref="PaymentLinkTrackingOptionsValidator"/>, so that start-up reports it with every other problem.
/// </summary>
internal sealed class PaymentLinkTrackingConfiguration(IConfiguration section) : IConfigureOptions<PaymentLinkTrackingOptions>
{
    public IConfiguration Section { get; } = section;

    public void Configure(PaymentLinkTrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            new ConfigurationWithoutLedger(Section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);

            // UtmCodes is immutable, and the binder sets no init-only property: its codes are bound on a mutable copy.
            var utm = new MutableUtmCodes(options.DefaultUtm ?? UtmCodes.None);
            Section.GetSection(nameof(options.DefaultUtm)).Bind(utm);
            options.DefaultUtm = utm.ToUtmCodes();
        }
        catch (InvalidOperationException e)
        {
            // The binder quotes a value that does not convert: one pasted in the wrong place may be a key.
            var message = SecretRedaction.Redact(e.Message, apiKey: null);
            options.BindingFailures.Add(Section is IConfigurationSection { Path: { Length: > 0 } path } ? $"{path}: {message}" : message);
        }
    }

    internal sealed class MutableUtmCodes(UtmCodes codes)
    {
        public string? Source { get; set; } = codes.Source;

        public string? Medium { get; set; } = codes.Medium;

        public string? Campaign { get; set; } = codes.Campaign;

        public string? Term { get; set; } = codes.Term;

        public string? Content { get; set; } = codes.Content;

        public UtmCodes ToUtmCodes() => new() { Source = Source, Medium = Medium, Campaign = Campaign, Term = Term, Content = Content };
    }
}
