using System.Globalization;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>How the report page shows a row to people: the campaign's name and money in major units with its currency.</summary>
internal static class ReportText
{
    public const string Unattributed = "(unattributed)";

    /// <summary>The campaign as <c>source / medium / campaign</c>, leaving out absent codes; <see cref="Unattributed"/> for none.</summary>
    public static string Campaign(CampaignReportRow row)
    {
        string?[] codes = [row.UtmSource, row.UtmMedium, row.UtmCampaign];
        var present = codes.Where(code => !string.IsNullOrEmpty(code)).ToArray();
        return present.Length == 0 ? Unattributed : string.Join(" / ", present);
    }

    /// <summary>The currency in capitals, or <c>(none)</c> when Stripe sent none.</summary>
    public static string Currency(string? currency) => string.IsNullOrEmpty(currency) ? "(none)" : currency.ToUpperInvariant();

    /// <summary>An amount in minor units as a number in major units: 54890 <c>eur</c> is 548.90, 12000 <c>jpy</c> is 12000.</summary>
    public static decimal MajorUnits(long minorUnits, string? currency) => CurrencyAmounts.MajorUnits(minorUnits, currency);

    /// <summary>An amount in major units with the currency's own decimals and no currency: <c>1,200</c> for JPY, <c>548.90</c> for EUR.</summary>
    public static string Amount(long minorUnits, string? currency) =>
        MajorUnits(minorUnits, currency).ToString("N" + CurrencyAmounts.Exponent(currency), CultureInfo.InvariantCulture);

    /// <summary>An amount with its currency: <c>548.90 EUR</c>, <c>12,000 JPY</c>.</summary>
    public static string Money(long minorUnits, string? currency) => Amount(minorUnits, currency) + " " + Currency(currency);

    /// <summary>
    /// The period as people read it: dates at midnight as dates, other times in full; in UTC, or as the clocks of the
    /// <paramref name="zone"/> show them.
    /// </summary>
    public static string Period(DateTimeOffset? since, DateTimeOffset? until, TimeZoneInfo? zone = null) => (since, until) switch
    {
        (null, null) => "All time",
        ({ } start, null) => $"From {Moment(start, zone)}",
        (null, { } end) => $"Before {Moment(end, zone)}",
        ({ } start, { } end) => $"From {Moment(start, zone)} to {Moment(end, zone)} (end excluded)",
    };

    /// <summary>A count with thousands separators.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Moment(DateTimeOffset moment, TimeZoneInfo? zone)
    {
        if (zone is null)
        {
            return moment.TimeOfDay == TimeSpan.Zero
                ? moment.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : moment.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        var local = TimeZoneInfo.ConvertTime(moment, zone).DateTime;
        return local.TimeOfDay == TimeSpan.Zero
            ? local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
    }
}
