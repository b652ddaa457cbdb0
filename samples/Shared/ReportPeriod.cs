using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// Reads the report's <c>since</c> and <c>until</c>: an ISO date (<c>2026-11-01</c>, midnight UTC) or a full ISO
/// timestamp (<c>2026-11-01T09:30:00Z</c>, <c>2026-11-01T10:30:00+01:00</c>; without an offset it is UTC).
/// </summary>
internal static class ReportPeriod
{
    public const string Formats = "an ISO date such as 2026-11-01 or an ISO timestamp such as 2026-11-01T09:30:00Z";

    private static readonly string[] Timestamps =
    [
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static bool TryParse(string? text, [NotNullWhen(true)] out DateTimeOffset? moment)
    {
        moment = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            moment = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        else if (DateTimeOffset.TryParseExact(text, Timestamps, CultureInfo.InvariantCulture, Utc, out var timestamp))
        {
            moment = timestamp.ToUniversalTime();
        }

        return moment is not null;
    }

    /// <summary>
    /// A date (midnight there) or a timestamp without an offset (its time there) read in the time zone
    /// <paramref name="zone"/>; a timestamp with an offset is that instant. In a gap (clocks moved forward) the first
    /// instant after it; a time that happens twice, the first of the two.
    /// </summary>
    public static bool TryParse(string? text, TimeZoneInfo zone, [NotNullWhen(true)] out DateTimeOffset? moment)
    {
        moment = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        DateTime local;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            local = date.ToDateTime(TimeOnly.MinValue);
        }
        else if (!DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.None, out local))
        {
            return TryParse(text, out moment);
        }

        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        moment = new DateTimeOffset(local, offset).ToUniversalTime();
        return true;
    }

    /// <summary>Why a period is refused, or <see langword="null"/> when it holds at least one instant.</summary>
    public static string? Problem(DateTimeOffset? since, DateTimeOffset? until) =>
        since is { } start && until is { } end && end <= start
            ? $"until ({end.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}) must be after since ({start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}): the end is excluded."
            : null;
}
