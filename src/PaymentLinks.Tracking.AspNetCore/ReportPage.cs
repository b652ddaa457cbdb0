using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// The report's own page: net revenue per currency, a bar chart of net revenue by campaign and a chart of net revenue
/// over time per currency (ScottPlot, as SVG drawn on the server), and the table, for a period and a mode. Every value
/// from the ledger or the request is HTML-encoded; the page is one request, with no script.
/// </summary>
internal static class ReportPage
{
    private const string Style = """
        *, *::before, *::after { box-sizing: border-box; }
        body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; background: #f5f5fb; line-height: 1.45; }
        main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.5rem; margin: 0.5rem 0 0.25rem; }
        h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
        .period { color: #4b5563; margin: 0 0 1rem; }
        form { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; margin: 0 0 1.25rem; }
        label { display: flex; flex-direction: column; font-size: 0.85rem; color: #4b5563; }
        input, select, button { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid #c7c9d9; border-radius: 0.375rem; background: #fff; max-width: 100%; }
        button { background: #4f46e5; color: #fff; border-color: #4f46e5; cursor: pointer; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0.75rem; margin: 0 0 1.25rem; }
        .card, .chart, .empty, .problem { background: #fff; border-radius: 0.75rem; padding: 1rem; box-shadow: 0 1px 2px rgb(0 0 0 / 0.06); }
        .card strong { display: block; font-size: 1.35rem; }
        .card span { color: #4b5563; font-size: 0.85rem; }
        .chart { margin: 0 0 1.25rem; }
        .chart svg { display: block; width: 100%; height: auto; }
        .chart svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        tbody th { font-weight: 500; }
        .table-scroll { overflow-x: auto; background: #fff; border-radius: 0.75rem; box-shadow: 0 1px 2px rgb(0 0 0 / 0.06); }
        table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
        th, td { padding: 0.5rem 0.75rem; text-align: right; white-space: nowrap; border-bottom: 1px solid #eceef5; }
        th:first-child, td:first-child { text-align: left; }
        thead th { background: #f0f0f8; font-weight: 600; }
        .unattributed { color: #6b7280; font-style: italic; }
        .problem { border-left: 4px solid #dc2626; }
        .note { color: #6b7280; font-size: 0.85rem; }
        code { background: #eef; padding: 0 0.25rem; border-radius: 0.25rem; overflow-wrap: anywhere; }
        """;

    /// <summary>The page as the endpoint answers it: the view's HTML with its status code.</summary>
    public static IResult Result(PaymentLinkReportView view) => Results.Content(Render(view), "text/html", Encoding.UTF8, view.StatusCode);

    /// <summary>The page's HTML: the view's rows, period, mode and problem, every value encoded.</summary>
    public static string Render(PaymentLinkReportView view)
    {
        var test = view.Mode == PaymentLinkMode.Test;
        var links = new ReportLinks(view.Path, view.SinceText, view.UntilText, view.Model, view.TimeZone);
        var zone = view.TimeZone is { } zoneId && ReportTimeZone.TryFind(zoneId, out var found) ? found : null;
        var html = new StringBuilder(8192);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Revenue by campaign</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>Revenue by campaign</h1>\n")
            .Append("<p class=\"period\">").Append(Encode(ReportText.Period(view.Since, view.Until, zone)))
            .Append(" (").Append(Encode(zone is null ? "UTC" : view.TimeZone!)).Append(')')
            .Append(test ? " · <strong>test data</strong>" : string.Empty)
            .Append(" · ").Append(Encode(AttributionModelNames.Format(view.Model))).Append(" attribution · ")
            .Append("<a href=\"").Append(Encode(links.Json(test))).Append("\">JSON</a></p>\n");
        AppendForm(html, view.Path, view.SinceText, view.UntilText, test, view.Model, zone is null ? null : view.TimeZone);

        var rows = view.Rows;
        if (view.Problem is not null)
        {
            html.Append("<p class=\"problem\" role=\"alert\">").Append(Encode(view.Problem)).Append("</p>\n");
        }
        else if (view.OnlyTestData)
        {
            html.Append("<section class=\"empty\">\n<h2>Only test data so far</h2>\n<p>No live payment in this period, but there are test ones. ")
                .Append("<a href=\"").Append(Encode(links.Page(test: true))).Append("\">Show the test data</a>.</p>\n</section>\n");
        }
        else if (rows.Count == 0)
        {
            AppendEmpty(html, view.Since is not null || view.Until is not null, links.AllTime(test));
        }
        else
        {
            var byCurrency = rows.GroupBy(row => row.Currency).ToList();
            AppendTotals(html, byCurrency);
            foreach (var currency in byCurrency)
            {
                html.Append("<section class=\"chart\">\n<h2>Revenue in ").Append(Encode(ReportText.Currency(currency.Key))).Append("</h2>\n")
                    .Append(RevenueChart.Svg(currency.Key, [.. currency.OrderByDescending(row => row.Revenue)]))
                    .Append("\n</section>\n");
                var series = view.OverTime.Where(line => line.Currency == currency.Key).ToList();
                if (series.Count > 0)
                {
                    html.Append("<section class=\"chart\">\n<h2>Net revenue over time in ").Append(Encode(ReportText.Currency(currency.Key)))
                        .Append("</h2>\n").Append(RevenueChart.NetOverTimeSvg(currency.Key, series)).Append("\n</section>\n");
                }
            }

            AppendTable(html, rows);
        }

        html.Append("<p class=\"note\">Gross is first payments and renewals; net is gross less refunds and lost disputes, each counted when the money moved. ")
            .Append("Each campaign is counted in its own currency; amounts are never added across currencies. ")
            .Append("Attribution: a session's touches are its buyer's clicks on tracked links in the lookback window, shared by the model ")
            .Append("(last click gives the click the session came from everything); a session without a click has one touch: the thank-you page visit first, ")
            .Append("then the campaign key in client_reference_id, then the payment link's metadata.</p>\n")
            .Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendForm(
        StringBuilder html, string path, string? sinceText, string? untilText, bool test, AttributionModel model, string? timeZone)
    {
        html.Append("<form method=\"get\" action=\"").Append(Encode(path)).Append("\">\n")
            .Append(test ? "<input type=\"hidden\" name=\"mode\" value=\"test\">\n" : string.Empty)
            .Append("<label>From (included)<input type=\"date\" name=\"since\" value=\"").Append(Encode(sinceText ?? string.Empty)).Append("\"></label>\n")
            .Append("<label>Until (excluded)<input type=\"date\" name=\"until\" value=\"").Append(Encode(untilText ?? string.Empty)).Append("\"></label>\n")
            .Append("<label>Attribution model<select name=\"model\">");
        foreach (var name in AttributionModelNames.All)
        {
            html.Append("<option value=\"").Append(Encode(name)).Append(name == AttributionModelNames.Format(model) ? "\" selected>" : "\">")
                .Append(Encode(name)).Append("</option>");
        }

        html.Append("</select></label>\n")
            .Append("<label>Time zone<input type=\"text\" name=\"tz\" placeholder=\"UTC\" value=\"").Append(Encode(timeZone ?? string.Empty)).Append("\"></label>\n")
            .Append("<button type=\"submit\">Show</button>\n</form>\n");
    }

    private static void AppendEmpty(StringBuilder html, bool hasPeriod, string allTime)
    {
        html.Append("<section class=\"empty\">\n<h2>No sales to show yet</h2>\n");
        if (hasPeriod)
        {
            html.Append("<p>No checkout was completed in this period. <a href=\"").Append(Encode(allTime)).Append("\">Show all time</a>.</p>\n");
        }
        else
        {
            html.Append("<p>As soon as a buyer pays through one of your tracked payment links, Stripe tells this app's webhook endpoint, ")
                .Append("and the campaign's revenue appears here.</p>\n")
                .Append("<p>To try it, forward Stripe's events to the webhook endpoint, e.g. <code>stripe listen --forward-to localhost:5000/stripe/webhook</code>, ")
                .Append("and send one with <code>stripe trigger checkout.session.completed</code>.</p>\n");
        }

        html.Append("</section>\n");
    }

    private static void AppendTotals(StringBuilder html, List<IGrouping<string?, CampaignReportRow>> byCurrency)
    {
        html.Append("<section class=\"cards\" aria-label=\"Totals\">\n");
        foreach (var currency in byCurrency)
        {
            var paid = currency.Sum(row => row.Paid);
            html.Append("<div class=\"card\"><strong>").Append(Encode(ReportText.Money(currency.Sum(row => row.Revenue), currency.Key)))
                .Append("</strong><span>net of ").Append(Encode(ReportText.Money(currency.Sum(row => row.Gross), currency.Key))).Append(" gross, ")
                .Append(Encode(ReportText.Money(currency.Sum(row => row.Tax), currency.Key))).Append(" tax, ")
                .Append(Encode(ReportText.Money(currency.Sum(row => row.Refunded), currency.Key))).Append(" refunded; ")
                .Append(Encode(ReportText.Count(paid))).Append(paid == 1 ? " paid session" : " paid sessions")
                .Append(" in ").Append(Encode(ReportText.Count(currency.Count()))).Append(currency.Count() == 1 ? " campaign" : " campaigns").Append("</span></div>\n");
        }

        html.Append("</section>\n")
            .Append("<p class=\"period\">Net is the money kept without its tax: (gross − refunded − disputed) × (gross − tax) / gross, ")
            .Append("rounded to the currency's smallest unit.</p>\n");
    }

    private static void AppendTable(StringBuilder html, IReadOnlyList<CampaignReportRow> rows)
    {
        html.Append("<div class=\"table-scroll\">\n<table>\n<thead><tr>")
            .Append("<th scope=\"col\">Campaign</th><th scope=\"col\">Net</th><th scope=\"col\">Gross</th><th scope=\"col\">Tax</th><th scope=\"col\">Refunded</th>")
            .Append("<th scope=\"col\">Disputed</th><th scope=\"col\">Renewals</th><th scope=\"col\">Paid</th><th scope=\"col\">Sessions</th>")
            .Append("<th scope=\"col\">Visits</th><th scope=\"col\">By visit</th><th scope=\"col\">By reference</th><th scope=\"col\">By link</th>")
            .Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            var campaign = ReportText.Campaign(row);
            html.Append("<tr><th scope=\"row\"").Append(campaign == ReportText.Unattributed ? " class=\"unattributed\">" : ">").Append(Encode(campaign)).Append("</th>")
                .Append("<td>").Append(Encode(ReportText.Money(row.Revenue, row.Currency))).Append("</td>");
            foreach (var amount in new[] { row.Gross, row.Tax, row.Refunded, row.Disputed })
            {
                html.Append("<td>").Append(Encode(ReportText.Money(amount, row.Currency))).Append("</td>");
            }

            foreach (var count in new[] { row.Renewals, row.Paid, row.Sessions, row.Visits, row.ByVisit, row.ByReference, row.ByLink })
            {
                html.Append("<td>").Append(Encode(ReportText.Count(count))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
    }

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}

/// <summary>
/// The page's links back to itself: the endpoint's own path (so that they follow the route and any path base) with the
/// period as the request gave it, escaped by <see cref="QueryString"/> and HTML-encoded where the page writes them.
/// </summary>
internal readonly record struct ReportLinks(
    string Path, string? SinceText, string? UntilText, AttributionModel Model = AttributionModel.LastClick, string? TimeZone = null)
{
    public string Json(bool test) => Link(json: true, test, period: true);

    public string Page(bool test) => Link(json: false, test, period: true);

    public string AllTime(bool test) => Link(json: false, test, period: false);

    private string Link(bool json, bool test, bool period)
    {
        var query = new List<KeyValuePair<string, string?>>(6);
        if (json)
        {
            query.Add(new("format", "json"));
        }

        if (test)
        {
            query.Add(new("mode", "test"));
        }

        if (period && !string.IsNullOrEmpty(SinceText))
        {
            query.Add(new("since", SinceText));
        }

        if (period && !string.IsNullOrEmpty(UntilText))
        {
            query.Add(new("until", UntilText));
        }

        if (Model != AttributionModel.LastClick)
        {
            query.Add(new("model", AttributionModelNames.Format(Model)));
        }

        if (!string.IsNullOrEmpty(TimeZone))
        {
            query.Add(new("tz", TimeZone));
        }

        return query.Count == 0 ? Path : Path + QueryString.Create(query).ToUriComponent();
    }
}
