using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
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
    /// Maps <c>GET <paramref name="pattern"/></c> to revenue by campaign (<see cref="IPaymentLinkAttribution.ReportAsync(DateTimeOffset?, DateTimeOffset?, PaymentLinkMode, AttributionModel, CancellationToken)"/>):
    /// an HTML page by default (the built-in page has the totals, a chart of net revenue by campaign and one of net
    /// revenue over time per currency, and the table), JSON with <c>?format=json</c> (the shape of
    /// <see cref="CampaignReportJson"/>, the same as the console's <c>report --format json</c>), for a period given by
    /// <c>?since=2026-11-01&amp;until=2026-12-01</c> (UTC dates or ISO timestamps; <c>since</c> included, <c>until</c>
    /// excluded), of live data, or of test data with <c>?mode=test</c>, by an attribution model with <c>?model=</c>
    /// (<c>last-click</c>, the default, <c>first-click</c>, <c>last-non-direct</c>, <c>linear</c>, <c>position-based</c>
    /// or <c>time-decay</c>: see <see cref="AttributionModelNames"/>; any other name is a <c>400</c> that lists them). With <c>?tz=Europe/Berlin</c>
    /// (an IANA time zone) a date is midnight in that zone and a timestamp without an offset its time there; the answer is exact.
    /// </summary>
    /// <remarks>
    /// Until an authorization requirement is attached (<c>.RequireAuthorization(...)</c> on the returned builder), the
    /// report answers local requests only (<c>403</c> to others) and a warning is logged at start-up.
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The route, such as <c>/admin/report</c>.</param>
    /// <param name="options">The HTML page; the built-in page with its charts when <see langword="null"/>.</param>
    /// <returns>The endpoint's convention builder: chain <c>.RequireAuthorization(...)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    public static IEndpointConventionBuilder MapPaymentLinkReport(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, PaymentLinkReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var page = options?.Page;
        var builder = endpoints.MapGet(pattern, async context =>
        {
            var answer = LocalOnlyUntilAuthorized.Allows(context) ? await ReportAsync(context, page).ConfigureAwait(false) : LocalOnlyUntilAuthorized.Refusal();
            await answer.ExecuteAsync(context).ConfigureAwait(false);
        });
        LocalOnlyUntilAuthorized.Apply(endpoints, builder, "The payment-link report", pattern);
        return builder;
    }

    /// <param name="context">The request.</param>
    /// <param name="customPage">The app's page, or <see langword="null"/> for the built-in one (which alone reads net revenue over time).</param>
    private static async Task<IResult> ReportAsync(HttpContext context, Func<PaymentLinkReportView, IResult>? customPage)
    {
        var query = context.Request.Query;
        var format = query["format"].ToString();
        if (format is not ("" or "html" or "json"))
        {
            return Results.Text("format is html (the default) or json.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }

        var modeText = query["mode"].ToString();
        if (modeText is not ("" or "live" or "test"))
        {
            return Results.Text("mode is live (the default) or test.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }

        var modelText = query["model"].ToString();
        var model = AttributionModel.LastClick;
        if (modelText.Length > 0 && !AttributionModelNames.TryParse(modelText, out model))
        {
            return Results.Text(
                $"model is one of {string.Join(", ", AttributionModelNames.All)} ({AttributionModelNames.Format(AttributionModel.LastClick)} by default).",
                "text/plain",
                Encoding.UTF8,
                StatusCodes.Status400BadRequest);
        }

        var page = customPage ?? ReportPage.Result;
        var mode = modeText == "test" ? PaymentLinkMode.Test : PaymentLinkMode.Live;
        var json = format == "json";
        var path = (context.Request.PathBase + context.Request.Path).ToUriComponent();
        var (sinceText, untilText) = (NonEmpty(query["since"].ToString()), NonEmpty(query["until"].ToString()));
        DateTimeOffset? since = null, until = null;
        string? problem = null;
        TimeZoneInfo? zone = null;
        if (NonEmpty(query["tz"].ToString()) is { } zoneText && !ReportTimeZone.TryFind(zoneText, out zone))
        {
            return Results.Text("tz is an IANA time zone such as Europe/Berlin.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }

        if (sinceText is not null && !TryParse(sinceText, zone, out since))
        {
            problem = $"since \"{sinceText}\" is not a date: use {Formats}.";
        }
        else if (untilText is not null && !TryParse(untilText, zone, out until))
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
                : page(new PaymentLinkReportView
                {
                    Since = since, Until = until, SinceText = sinceText, UntilText = untilText, Mode = mode, Model = model, TimeZone = zone?.Id, Path = path,
                    Problem = problem, StatusCode = StatusCodes.Status400BadRequest,
                });
        }

        IReadOnlyList<CampaignReportRow> rows = [];
        IReadOnlyList<NetRevenueSeries> overTime = [];
        var onlyTestData = false;
        try
        {
            // A ledger that keeps no attribution reports nothing: the page shows its empty state.
            if (context.RequestServices.GetService<IPaymentLinkAttribution>() is { } attribution)
            {
                var cancellationToken = context.RequestAborted;
                rows = await attribution.ReportAsync(since, until, mode, model, cancellationToken).ConfigureAwait(false);
                if (!json && rows.Count == 0 && mode == PaymentLinkMode.Live)
                {
                    onlyTestData = (await attribution.ReportAsync(since, until, PaymentLinkMode.Test, model, cancellationToken).ConfigureAwait(false)).Count > 0;
                }
                else if (!json && customPage is null && rows.Count > 0)
                {
                    var now = (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
                    overTime = await RevenueChart.NetOverTimeAsync(attribution, rows, since, until, mode, model, now, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is DbException or TimeoutException or InvalidOperationException)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PaymentLinkReportEndpointRouteBuilderExtensions).FullName!);
            EndpointLog.LedgerUnavailable(logger, "the report", exception.GetType().FullName);
            const string Unavailable = "The ledger cannot be read right now; try again in a moment.";
            return json
                ? Results.Text(Unavailable, "text/plain", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable)
                : page(new PaymentLinkReportView
                {
                    Since = since, Until = until, SinceText = sinceText, UntilText = untilText, Mode = mode, Model = model, TimeZone = zone?.Id, Path = path,
                    Problem = Unavailable, StatusCode = StatusCodes.Status503ServiceUnavailable,
                });
        }

        return json
            ? Results.Text(CampaignReportJson.ToJson(rows, indented: true), "application/json", Encoding.UTF8)
            : page(new PaymentLinkReportView
            {
                Rows = rows, Since = since, Until = until, SinceText = sinceText, UntilText = untilText, Mode = mode, Model = model, TimeZone = zone?.Id, Path = path,
                OnlyTestData = onlyTestData, OverTime = overTime,
            });
    }

    /// <summary>
    /// The period's bounds: an ISO date (midnight UTC, or in the <paramref name="zone"/> given) or an ISO timestamp (UTC,
    /// or the zone's time, unless it has an offset).
    /// </summary>
    internal static bool TryParse(string text, TimeZoneInfo? zone, [NotNullWhen(true)] out DateTimeOffset? moment)
    {
        if (zone is not null && ReportTimeZone.TryParseLocal(text, zone, out moment))
        {
            return true;
        }

        return TryParse(text, out moment);
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
}
