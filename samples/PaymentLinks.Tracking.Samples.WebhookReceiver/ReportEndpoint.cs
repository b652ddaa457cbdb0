using System.Data.Common;
using System.Text;
using Microsoft.Extensions.Primitives;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.Samples;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>The category of the report page's log entries.</summary>
internal sealed class ReportPageRequest;

/// <summary>
/// The marketer's report page: revenue by campaign (HTML with charts, ?since=2026-11-01&amp;until=2026-12-01, ?mode=test
/// for test data) or ?format=json, the same JSON as the console's `report --format json`.
/// </summary>
internal static class ReportEndpoint
{
    public static RouteHandlerBuilder Map(WebApplication app, string pattern, bool protectedByToken) =>
        app.MapGet(pattern, async (HttpRequest request, IServiceProvider services, ILogger<ReportPageRequest> logger, CancellationToken cancellationToken) =>
        {
            // Without an authorization requirement (Sample:AdminToken unset), local requests only, as the package's endpoints.
            var connection = request.HttpContext.Connection;
            if (!protectedByToken && !(connection.RemoteIpAddress is { } remote && (System.Net.IPAddress.IsLoopback(remote) || remote.Equals(connection.LocalIpAddress))))
            {
                return Results.Text("The report answers local requests only until Sample:AdminToken is set.", "text/plain", Encoding.UTF8, StatusCodes.Status403Forbidden);
            }

            var format = request.Query["format"].ToString();
            if (format is not ("" or "html" or "json"))
            {
                return Results.Text("format is html (the default) or json.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
            }

            var modeText = request.Query["mode"].ToString();
            if (modeText is not ("" or "live" or "test"))
            {
                return Results.Text("mode is live (the default) or test.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
            }

            var mode = modeText == "test" ? PaymentLinkMode.Test : PaymentLinkMode.Live;
            var json = format == "json";
            var (sinceText, untilText) = (NonEmpty(request.Query["since"]), NonEmpty(request.Query["until"]));
            DateTimeOffset? since = null, until = null;
            string? problem = null;
            if (sinceText is not null && !ReportPeriod.TryParse(sinceText, out since))
            {
                problem = $"since \"{sinceText}\" is not a date: use {ReportPeriod.Formats}.";
            }
            else if (untilText is not null && !ReportPeriod.TryParse(untilText, out until))
            {
                problem = $"until \"{untilText}\" is not a date: use {ReportPeriod.Formats}.";
            }
            else
            {
                problem = ReportPeriod.Problem(since, until);
            }

            if (problem is not null)
            {
                return json
                    ? Results.Text(problem, "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest)
                    : Results.Content(ReportPage.Render([], since, until, sinceText, untilText, problem), "text/html", Encoding.UTF8, StatusCodes.Status400BadRequest);
            }

            IReadOnlyList<CampaignReportRow> rows = [];
            IReadOnlyList<NetRevenueSeries> overTime = [];
            var onlyTestData = false;
            try
            {
                // A ledger that keeps no attribution reports nothing: the page shows its empty state.
                if (services.GetService<IPaymentLinkAttribution>() is { } attribution)
                {
                    rows = await attribution.ReportAsync(since, until, mode, cancellationToken);
                    if (rows.Count == 0 && mode == PaymentLinkMode.Live)
                    {
                        onlyTestData = (await attribution.ReportAsync(since, until, PaymentLinkMode.Test, cancellationToken)).Count > 0;
                    }
                    else if (!json && rows.Count > 0)
                    {
                        overTime = await RevenueChart.NetOverTimeAsync(attribution, rows, since, until, mode, TimeProvider.System.GetUtcNow(), cancellationToken);
                    }
                }
            }
            catch (DbException unavailable)
            {
                ReceiverLog.ReportUnavailable(logger, unavailable.Message);
                const string Unavailable = "The ledger cannot be read right now; try again in a moment.";
                return json
                    ? Results.Text(Unavailable, "text/plain", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable)
                    : Results.Content(ReportPage.Render([], since, until, sinceText, untilText, Unavailable), "text/html", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable);
            }

            return json
                ? Results.Text(CampaignReportJson.ToJson(rows, indented: true), "application/json", Encoding.UTF8)
                : Results.Content(ReportPage.Render(rows, since, until, sinceText, untilText, mode: mode, onlyTestData: onlyTestData, overTime: overTime), "text/html", Encoding.UTF8);
        });

    private static string? NonEmpty(StringValues value) => string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString();
}
