using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// What a conversion tag (an ad platform's purchase event) would send for a paid checkout: the amount, the currency,
/// and the buyer's email hashed as the platforms take it, so that the raw email never leaves the server.
/// </summary>
internal sealed record ConversionTag(decimal Value, string Currency, string? HashedEmail)
{
    /// <summary>The value with the currency's decimals, as a tag writes it: <c>20.00</c> for USD, <c>1200</c> for JPY.</summary>
    public string ValueText => Value.ToString("F" + CampaignReportText.Decimals(Currency), CultureInfo.InvariantCulture);

    /// <summary>The email as ad platforms match it: trimmed, lower case, SHA-256, lowercase hex.</summary>
    public static string HashEmail(string email) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));

    public static ConversionTag For(CheckoutConversion conversion) => new(
        CampaignReportText.MajorUnits(conversion.AmountTotal ?? 0, conversion.Currency),
        CampaignReportText.Currency(conversion.Currency),
        string.IsNullOrWhiteSpace(conversion.CustomerEmail) ? null : HashEmail(conversion.CustomerEmail));
}
