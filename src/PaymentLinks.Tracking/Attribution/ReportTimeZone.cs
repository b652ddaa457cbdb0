using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PaymentLinks.Tracking;

/// <summary>
/// A report period's bounds read in a named time zone (<c>Europe/Berlin</c>): a date is its midnight there, a timestamp
/// without an offset its time there, one with an offset that instant. The report answers any instant exactly (whole
/// hours from the aggregates, the rest from the ledger's rows), so a zone's days need nothing more.
/// </summary>
internal static class ReportTimeZone
{
    private static readonly string[] LocalTimestamps = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    /// <summary>The zone of an IANA (or Windows) id; <see langword="false"/> when the system knows no such zone.</summary>
    public static bool TryFind(string id, [NotNullWhen(true)] out TimeZoneInfo? zone) => TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone);

    /// <summary>A date or a timestamp without an offset, read as the zone's local time; <see langword="false"/> for anything else.</summary>
    public static bool TryParseLocal(string text, TimeZoneInfo zone, [NotNullWhen(true)] out DateTimeOffset? moment)
    {
        moment = null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            moment = At(date.ToDateTime(TimeOnly.MinValue), zone);
        }
        else if (DateTime.TryParseExact(text, LocalTimestamps, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            moment = At(local, zone);
        }

        return moment is not null;
    }

    /// <summary>
    /// The instant of a local time in the zone: in a gap (clocks moved forward) the first instant after it; when the
    /// time happens twice (clocks moved back), the first of the two.
    /// </summary>
    public static DateTimeOffset At(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The gap's end: the first minute the zone's clocks show after it.
            var after = local;
            while (zone.IsInvalidTime(after))
            {
                after = after.AddMinutes(1);
            }

            return new DateTimeOffset(after, zone.GetUtcOffset(after)).ToUniversalTime();
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
