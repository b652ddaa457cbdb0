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

    /// <summary>Why a period is refused, or <see langword="null"/> when it holds at least one instant.</summary>
    public static string? Problem(DateTimeOffset? since, DateTimeOffset? until) =>
        since is { } start && until is { } end && end <= start
            ? $"until ({end.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}) must be after since ({start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}): the end is excluded."
            : null;
}
