using System.Globalization;

namespace PaymentLinks.Tracking.Samples;

/// <summary>How the samples show a campaign report row to people: the campaign's name and revenue in major units.</summary>
internal static class CampaignReportText
{
    public const string Unattributed = "(unattributed)";

    // Stripe's zero-decimal currencies; its three-decimal ones below. Every other currency has two decimals.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "bhd", "jod", "kwd", "omr", "tnd",
    };

    /// <summary>The campaign as <c>source / medium / campaign</c>, leaving out absent codes; <see cref="Unattributed"/> for none.</summary>
    public static string Campaign(CampaignReportRow row)
    {
        string?[] codes = [row.UtmSource, row.UtmMedium, row.UtmCampaign];
        var present = codes.Where(code => !string.IsNullOrEmpty(code)).ToArray();
        return present.Length == 0 ? Unattributed : string.Join(" / ", present);
    }

    /// <summary>The currency in capitals, or <c>(none)</c> when Stripe sent none.</summary>
    public static string Currency(string? currency) =>
        string.IsNullOrEmpty(currency) ? "(none)" : currency.ToUpperInvariant();

    /// <summary>How many digits the currency's minor unit has after the decimal point.</summary>
    public static int Decimals(string? currency) =>
        currency is null ? 2 : ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    /// <summary>An amount in minor units, in major units: 54890 <c>eur</c> is 548.90.</summary>
    public static decimal MajorUnits(long minorUnits, string? currency)
    {
        var decimals = Decimals(currency);
        return minorUnits / (decimal)Math.Pow(10, decimals);
    }

    /// <summary>An amount in minor units as major units with the currency: <c>548.90 EUR</c>, <c>1,200 JPY</c>.</summary>
    public static string Money(long minorUnits, string? currency) =>
        MajorUnits(minorUnits, currency).ToString("N" + Decimals(currency), CultureInfo.InvariantCulture) + " " + Currency(currency);

    /// <summary>The period as people read it: dates at midnight UTC as dates, other times in full.</summary>
    public static string Period(DateTimeOffset? since, DateTimeOffset? until) => (since, until) switch
    {
        (null, null) => "all time",
        ({ } start, null) => $"from {Moment(start)}",
        (null, { } end) => $"before {Moment(end)}",
        ({ } start, { } end) => $"from {Moment(start)} to {Moment(end)} (end excluded)",
    };

    private static string Moment(DateTimeOffset moment) => moment.TimeOfDay == TimeSpan.Zero
        ? moment.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
        : moment.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
