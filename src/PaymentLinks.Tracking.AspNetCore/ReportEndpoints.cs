using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the campaign report onto an ASP.NET Core app.</summary>
public static class PaymentLinkReportEndpointRouteBuilderExtensions
{
    private const string Formats = "an ISO date such as 2026-11-01 or an ISO timestamp such as 2026-11-01T09:30:00Z";

    private static readonly string[] Timestamps = ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c> to revenue by campaign (<see cref="IPaymentLinkAttribution.ReportAsync"/>):
    /// HTML by default, JSON with <c>?format=json</c> (the shape of <see cref="CampaignReportJson"/>, the same as the
    /// console's <c>report --format json</c>), for a period given by <c>?since=2026-11-01&amp;until=2026-12-01</c> (UTC
    /// dates or ISO timestamps; <c>since</c> included, <c>until</c> excluded).
    /// </summary>
    /// <remarks>
    /// Until an authorization requirement is attached (<c>.RequireAuthorization(...)</c> on the returned builder), the
    /// report answers local requests only (<c>403</c> to others) and a warning is logged at start-up.
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The route, such as <c>/admin/report</c>.</param>
    /// <param name="options">The HTML page; a plain table when <see langword="null"/>.</param>
    /// <returns>The endpoint's convention builder: chain <c>.RequireAuthorization(...)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    public static IEndpointConventionBuilder MapPaymentLinkReport(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, PaymentLinkReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var page = options?.Page ?? DefaultPage;
        var builder = endpoints.MapGet(pattern, async context =>
        {
            var answer = LocalOnlyUntilAuthorized.Allows(context) ? await ReportAsync(context, page).ConfigureAwait(false) : LocalOnlyUntilAuthorized.Refusal();
            await answer.ExecuteAsync(context).ConfigureAwait(false);
        });
        LocalOnlyUntilAuthorized.Apply(endpoints, builder, "The payment-link report", pattern);
        return builder;
    }

    private static async Task<IResult> ReportAsync(HttpContext context, Func<PaymentLinkReportView, IResult> page)
    {
        var query = context.Request.Query;
        var format = query["format"].ToString();
        if (format is not ("" or "html" or "json"))
        {
            return Results.Text("format is html (the default) or json.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }

        var json = format == "json";
        var (sinceText, untilText) = (NonEmpty(query["since"].ToString()), NonEmpty(query["until"].ToString()));
        DateTimeOffset? since = null, until = null;
        string? problem = null;
        if (sinceText is not null && !TryParse(sinceText, out since))
        {
            problem = $"since \"{sinceText}\" is not a date: use {Formats}.";
        }
        else if (untilText is not null && !TryParse(untilText, out until))
        {
            problem = $"until \"{untilText}\" is not a date: use {Formats}.";
        }
        else if (since is { } start && until is { } end && end <= start)
        {
            problem = $"until ({end.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}) must be after since ({start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}): the end is excluded.";
        }

        if (problem is not null)
        {
            return json
                ? Results.Text(problem, "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest)
                : page(new PaymentLinkReportView { Since = since, Until = until, SinceText = sinceText, UntilText = untilText, Problem = problem, StatusCode = StatusCodes.Status400BadRequest });
        }

        IReadOnlyList<CampaignReportRow> rows = [];
        try
        {
            // A ledger that keeps no attribution reports nothing: the page shows its empty state.
            if (context.RequestServices.GetService<IPaymentLinkAttribution>() is { } attribution)
            {
                rows = await attribution.ReportAsync(since, until, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is DbException or TimeoutException or InvalidOperationException)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PaymentLinkReportEndpointRouteBuilderExtensions).FullName!);
            EndpointLog.LedgerUnavailable(logger, "the report", exception.GetType().FullName);
            const string Unavailable = "The ledger cannot be read right now; try again in a moment.";
            return json
                ? Results.Text(Unavailable, "text/plain", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable)
                : page(new PaymentLinkReportView { Since = since, Until = until, SinceText = sinceText, UntilText = untilText, Problem = Unavailable, StatusCode = StatusCodes.Status503ServiceUnavailable });
        }

        return json
            ? Results.Text(CampaignReportJson.ToJson(rows, indented: true), "application/json", Encoding.UTF8)
            : page(new PaymentLinkReportView { Rows = rows, Since = since, Until = until, SinceText = sinceText, UntilText = untilText });
    }

    /// <summary>The period's bounds: an ISO date (midnight UTC) or an ISO timestamp (UTC unless it has an offset).</summary>
    internal static bool TryParse(string text, [NotNullWhen(true)] out DateTimeOffset? moment)
    {
        moment = null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            moment = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        else if (DateTimeOffset.TryParseExact(text, Timestamps, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp))
        {
            moment = timestamp.ToUniversalTime();
        }

        return moment is not null;
    }

    private static string? NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static IResult DefaultPage(PaymentLinkReportView view)
    {
        static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);
        var html = new StringBuilder(4096)
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Revenue by campaign</title>\n<style>body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}")
            .Append("th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-align:left}</style>\n")
            .Append("</head>\n<body>\n<h1>Revenue by campaign</h1>\n");
        if (view.Problem is not null)
        {
            html.Append("<p role=\"alert\">").Append(Encode(view.Problem)).Append("</p>\n");
        }
        else if (view.Rows.Count == 0)
        {
            html.Append("<p>No completed sessions in this period.</p>\n");
        }
        else
        {
            html.Append("<table>\n<thead><tr><th>Campaign</th><th>Currency</th><th>Revenue (minor units)</th><th>Paid</th><th>Sessions</th><th>Visits</th></tr></thead>\n<tbody>\n");
            foreach (var row in view.Rows)
            {
                string?[] codes = [row.UtmSource, row.UtmMedium, row.UtmCampaign];
                var campaign = string.Join(" / ", codes.Where(code => !string.IsNullOrEmpty(code)));
                html.Append("<tr><td>").Append(Encode(campaign.Length == 0 ? "(unattributed)" : campaign)).Append("</td><td>").Append(Encode(row.Currency))
                    .Append("</td><td>").Append(row.Revenue.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(row.Paid.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(row.Sessions.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(row.Visits.ToString(CultureInfo.InvariantCulture))
                    .Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("</body>\n</html>\n");
        return Results.Content(html.ToString(), "text/html", Encoding.UTF8, view.StatusCode);
    }
}
