using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.AspNetCore;
using PaymentLinks.Tracking.Tests.Attribution;
using PaymentLinks.Tracking.Tests.Samples;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// <c>MapPaymentLinkReport</c> served by TestServer, its rows from an in-test attribution source
/// (<see cref="FixedReportAttribution.ExampleRows"/>: EUR, USD, JPY and unattributed sessions). The endpoint is opened
/// with <c>.AllowAnonymous()</c>, as an app says who may see it; the local-only rule has its own test.
/// </summary>
[NonParallelizable]
public sealed class ReportEndpointTests
{
    private const string Route = "/admin/report";
    private const int PhoneWidth = 390;

    private static readonly CampaignReportRow[] Rows = FixedReportAttribution.ExampleRows;

    private static Task<EndpointHost> StartAsync(FixedReportAttribution? attribution, PaymentLinkReportOptions? options = null, bool kestrel = false) =>
        EndpointHost.StartAsync(
            app => app.MapPaymentLinkReport(Route, options).AllowAnonymous(),
            builder =>
            {
                if (attribution is not null)
                {
                    builder.Services.AddSingleton<IPaymentLinkAttribution>(attribution);
                }
            },
            kestrel: kestrel,
            ledger: false);

    [Test]
    public async Task A_browser_gets_the_html_page_with_a_bar_chart_and_a_net_over_time_chart_per_currency()
    {
        await using var host = await StartAsync(new FixedReportAttribution(Rows));
        using var request = new HttpRequestMessage(HttpMethod.Get, Route);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var response = await host.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldStartWith("<!DOCTYPE html>");
        CountOf(html, "<svg role=\"img\" aria-label=\"Revenue by campaign\"").ShouldBe(3);
        CountOf(html, "<svg role=\"img\" aria-label=\"Net revenue over time by campaign\"").ShouldBe(3);
        foreach (var currency in new[] { "EUR", "USD", "JPY" })
        {
            html.ShouldContain($"<h2>Revenue in {currency}</h2>");
            html.ShouldContain($"<h2>Net revenue over time in {currency}</h2>");
        }

        html.ShouldNotContain("<script");
    }

    [Test]
    public async Task Money_is_shown_in_major_units_with_zero_decimal_currencies_such_as_jpy_without_decimals()
    {
        await using var host = await StartAsync(new FixedReportAttribution(Rows));

        var html = await host.Client.GetStringAsync(Route);

        html.ShouldContain("<tr><th scope=\"row\">instagram / social / launch</th><td>12,000 JPY</td><td>15,000 JPY</td><td>0 JPY</td><td>0 JPY</td><td>3,000 JPY</td>");
        html.ShouldContain("<strong>12,000 JPY</strong><span>net of 15,000 JPY gross, 0 JPY tax, 0 JPY refunded; 4 paid sessions in 1 campaign</span>");
        html.ShouldContain("<tr><th scope=\"row\">newsletter / email / spring_sale</th><td>548.90 EUR</td><td>598.80 EUR</td><td>95.60 EUR</td><td>49.90 EUR</td><td>0.00 EUR</td><td>2</td><td>11</td><td>12</td><td>9</td><td>9</td><td>2</td><td>0</td></tr>");
        html.ShouldContain("<tr><th scope=\"row\" class=\"unattributed\">(unattributed)</th><td>19.98 USD</td>");

        // The USD card adds the two USD rows (1,397.20 + 19.98) and nothing else.
        html.ShouldContain("<strong>1,417.18 USD</strong><span>net of 1,417.18 USD gross, 0.00 USD tax, 0.00 USD refunded; 30 paid sessions in 2 campaigns</span>");
    }

    [Test]
    public async Task Test_mode_reports_test_data_and_says_so_on_the_page_and_in_its_links()
    {
        var attribution = new FixedReportAttribution(Rows) { TestRows = [new("stripe_cli", "test", "trial", "jpy", 1, 1, 500, 0, 0, 0, 0, Gross: 500)] };
        await using var host = await StartAsync(attribution);

        var html = await host.Client.GetStringAsync($"{Route}?mode=test");

        attribution.Modes.ShouldNotBeEmpty();
        attribution.Modes.ShouldAllBe(mode => mode == PaymentLinkMode.Test);
        html.ShouldContain("<strong>test data</strong>");
        html.ShouldContain("<input type=\"hidden\" name=\"mode\" value=\"test\">");
        html.ShouldContain($"href=\"{Route}?format=json&amp;mode=test\"");
        html.ShouldContain("<td>500 JPY</td>");
        html.ShouldNotContain("spring_sale");
    }

    [Test]
    public async Task A_live_page_with_only_test_data_says_so_and_links_to_the_test_page()
    {
        await using var host = await StartAsync(new FixedReportAttribution { TestRows = Rows });

        var html = await host.Client.GetStringAsync($"{Route}?since=2026-11-01");

        html.ShouldContain("Only test data so far");
        html.ShouldContain($"href=\"{Route}?mode=test&amp;since=2026-11-01\"");
        html.ShouldNotContain("<table");
        html.ShouldNotContain("<svg");
    }

    [Test]
    public async Task The_period_is_asked_of_the_ledger_shown_on_the_page_and_kept_in_its_links()
    {
        var attribution = new FixedReportAttribution(Rows);
        await using var host = await StartAsync(attribution);
        var since = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        var html = await host.Client.GetStringAsync($"{Route}?since=2026-11-01&until=2026-12-01");

        attribution.Periods[0].ShouldBe((since, until));
        // Net revenue over time: one report a step, every step inside the period.
        attribution.Periods.Count.ShouldBe(1 + 12);
        attribution.Periods.Skip(1).ShouldAllBe(period => period.Since >= since && period.Until <= until);
        html.ShouldContain("From 2026-11-01 to 2026-12-01 (end excluded) (UTC)");
        html.ShouldContain($"<form method=\"get\" action=\"{Route}\">");
        html.ShouldContain("name=\"since\" value=\"2026-11-01\"");
        html.ShouldContain($"href=\"{Route}?format=json&amp;since=2026-11-01&amp;until=2026-12-01\"");
    }

    [Test]
    public async Task Every_value_from_the_ledger_or_the_request_is_html_encoded()
    {
        var hostile = new CampaignReportRow("<script>alert(1)</script>", "e&m", "\"quoted\" 'single'", "<b>", 1, 1, 100, 0, 0, 0, 0, Gross: 100);
        await using var host = await StartAsync(new FixedReportAttribution(hostile));

        var page = await host.Client.GetStringAsync(Route);
        using var refused = await host.Client.GetAsync($"{Route}?since=%22%3E%3Csvg%20onload%3Dalert(1)%3E");

        page.ShouldNotContain("<script");
        page.ShouldNotContain("<b>");
        page.ShouldNotContain("<B>");
        page.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt; / e&amp;m / &quot;quoted&quot; &#x27;single&#x27;");
        page.ShouldContain("&lt;B&gt;");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await refused.Content.ReadAsStringAsync();
        problem.ShouldNotContain("<svg onload");
        problem.ShouldContain("since &quot;&quot;&gt;&lt;svg onload=alert(1)&gt;&quot; is not a date");
    }

    [Test]
    public async Task The_json_is_the_consoles_json_of_the_rows_with_one_read_of_the_ledger()
    {
        var attribution = new FixedReportAttribution(Rows) { TestRows = [Rows[2]] };
        await using var host = await StartAsync(attribution);

        using var live = await host.Client.GetAsync($"{Route}?format=json&since=2026-11-01");
        var test = await host.Client.GetStringAsync($"{Route}?format=json&mode=test");

        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        live.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await live.Content.ReadAsStringAsync()).ShouldBe(CampaignReportJson.ToJson(Rows, indented: true));
        test.ShouldBe(CampaignReportJson.ToJson([Rows[2]], indented: true));
        attribution.Modes.ShouldBe([PaymentLinkMode.Live, PaymentLinkMode.Test]);
    }

    [Test]
    public async Task The_model_is_asked_of_the_ledger_for_the_json_the_page_and_its_charts_and_kept_in_the_pages_links()
    {
        var attribution = new FixedReportAttribution(Rows);
        await using var host = await StartAsync(attribution);

        var json = await host.Client.GetStringAsync($"{Route}?format=json&model=position-based");
        var html = await host.Client.GetStringAsync($"{Route}?since=2026-11-01&until=2026-12-01&model=time-decay");
        var byDefault = await host.Client.GetStringAsync($"{Route}?format=json");

        json.ShouldBe(CampaignReportJson.ToJson(Rows, indented: true));
        byDefault.ShouldBe(json);
        attribution.Models.ShouldBe([AttributionModel.PositionBased, .. Enumerable.Repeat(AttributionModel.TimeDecay, 1 + 12), AttributionModel.LastClick]);
        html.ShouldContain("· time-decay attribution ·");
        html.ShouldContain("<option value=\"time-decay\" selected>time-decay</option>");
        html.ShouldContain("<option value=\"last-click\">last-click</option>");
        html.ShouldContain($"href=\"{Route}?format=json&amp;since=2026-11-01&amp;until=2026-12-01&amp;model=time-decay\"");
    }

    [Test]
    public async Task The_model_and_the_time_zone_go_together_and_the_page_keeps_both_in_its_form_and_links()
    {
        var attribution = new FixedReportAttribution(Rows);
        await using var host = await StartAsync(attribution);

        using var json = await host.Client.GetAsync($"{Route}?format=json&since=2026-03-29&model=linear&tz=Europe/Berlin");
        var html = await host.Client.GetStringAsync($"{Route}?since=2026-03-29&until=2026-03-30&model=first-click&tz=Europe/Berlin");

        json.StatusCode.ShouldBe(HttpStatusCode.OK);
        attribution.Models[0].ShouldBe(AttributionModel.Linear);
        attribution.Periods[0].ShouldBe((new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), null));
        attribution.Models[1].ShouldBe(AttributionModel.FirstClick);
        attribution.Periods[1].ShouldBe((new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero)));
        html.ShouldContain("From 2026-03-29 to 2026-03-30 (end excluded) (Europe/Berlin)");
        html.ShouldContain("· first-click attribution ·");
        html.ShouldContain("<option value=\"first-click\" selected>first-click</option>");
        html.ShouldContain("name=\"tz\" placeholder=\"UTC\" value=\"Europe/Berlin\"");
        html.ShouldContain($"href=\"{Route}?format=json&amp;since=2026-03-29&amp;until=2026-03-30&amp;model=first-click&amp;tz=Europe%2FBerlin\"");
    }

    // Berlin moves its clocks forward on 2026-03-29: that day starts at 23:00 UTC the day before and ends at 22:00 UTC.
    [Test]
    public async Task A_period_in_a_time_zone_reads_its_dates_as_that_zones_midnights_and_timestamps_as_its_times()
    {
        var attribution = new FixedReportAttribution(Rows);
        await using var host = await StartAsync(attribution);

        using var day = await host.Client.GetAsync($"{Route}?format=json&since=2026-03-29&until=2026-03-30&tz=Europe/Berlin");
        using var hours = await host.Client.GetAsync($"{Route}?format=json&since=2026-03-29T09:30&until=2026-03-29T10:00:00Z&tz=Europe/Berlin");
        using var utc = await host.Client.GetAsync($"{Route}?format=json&since=2026-03-29&until=2026-03-30");

        (day.StatusCode, hours.StatusCode, utc.StatusCode).ShouldBe((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK));
        attribution.Periods.ShouldBe(
        [
            (new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero)),
            (new DateTimeOffset(2026, 3, 29, 7, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 29, 10, 0, 0, TimeSpan.Zero)),
            (new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 30, 0, 0, 0, TimeSpan.Zero)),
        ]);
    }

    [TestCase("?since=yesterday", "since &quot;yesterday&quot; is not a date", "text/html")]
    [TestCase("?format=json&since=2026-11-01&tz=Mars/Olympus", "tz is an IANA time zone such as Europe/Berlin.", "text/plain")]
    [TestCase("?until=2026-02-30", "until &quot;2026-02-30&quot; is not a date", "text/html")]
    [TestCase("?since=2026-12-01&until=2026-11-01", "must be after since", "text/html")]
    [TestCase("?format=json&since=tomorrow", "since \"tomorrow\" is not a date", "text/plain")]
    [TestCase("?format=xml", "format is html (the default) or json.", "text/plain")]
    [TestCase("?mode=both", "mode is live (the default) or test.", "text/plain")]
    [TestCase("?model=u-shaped", "model is one of last-click, first-click, last-non-direct, linear, position-based, time-decay", "text/plain")]
    [TestCase("?format=json&model=Linear", "model is one of last-click, first-click, last-non-direct, linear, position-based, time-decay", "text/plain")]
    public async Task A_bad_period_format_or_mode_is_answered_400_saying_why(string query, string message, string mediaType)
    {
        var attribution = new FixedReportAttribution(Rows);
        await using var host = await StartAsync(attribution);

        using var response = await host.Client.GetAsync(Route + query);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe(mediaType);
        (await response.Content.ReadAsStringAsync()).ShouldContain(message);
        attribution.Periods.ShouldBeEmpty();
    }

    [Test]
    public async Task A_ledger_that_cannot_be_read_is_answered_503_on_the_page_and_in_json()
    {
        await using var host = await StartAsync(new FixedReportAttribution(Rows) { Failure = new TimeoutException("The database did not answer.") });

        using var page = await host.Client.GetAsync(Route);
        using var json = await host.Client.GetAsync($"{Route}?format=json");

        page.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await page.Content.ReadAsStringAsync()).ShouldContain("<p class=\"problem\" role=\"alert\">The ledger cannot be read right now; try again in a moment.</p>");
        json.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        json.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
    }

    [TestCase(false, "As soon as a buyer pays through one of your tracked payment links")]
    [TestCase(true, "No checkout was completed in this period.")]
    public async Task An_empty_report_says_what_to_do_instead_of_showing_an_empty_table(bool withPeriod, string expected)
    {
        await using var host = await StartAsync(new FixedReportAttribution());

        var html = await host.Client.GetStringAsync(withPeriod ? $"{Route}?since=2026-11-01" : Route);

        html.ShouldContain("No sales to show yet");
        html.ShouldContain(expected);
        html.ShouldNotContain("<table");
        html.ShouldNotContain("<svg");
        if (withPeriod)
        {
            html.ShouldContain($"<a href=\"{Route}\">Show all time</a>");
        }
    }

    [Test]
    public async Task An_app_without_attribution_gets_the_empty_page()
    {
        await using var host = await StartAsync(attribution: null);

        var html = await host.Client.GetStringAsync(Route);

        html.ShouldContain("No sales to show yet");
    }

    [Test]
    public async Task An_apps_own_page_gets_the_view_with_the_mode_and_the_ledger_is_not_read_for_charts_it_does_not_draw()
    {
        var attribution = new FixedReportAttribution { TestRows = Rows };
        PaymentLinkReportView? seen = null;
        var options = new PaymentLinkReportOptions
        {
            Page = view =>
            {
                seen = view;
                return Results.Text($"{view.Rows.Count} rows", "text/plain");
            },
        };
        await using var host = await StartAsync(attribution, options);

        (await host.Client.GetStringAsync(Route)).ShouldBe("0 rows");
        seen!.OnlyTestData.ShouldBeTrue();
        (await host.Client.GetStringAsync($"{Route}?mode=test")).ShouldBe("4 rows");

        seen.Mode.ShouldBe(PaymentLinkMode.Test);
        attribution.Modes.ShouldBe([PaymentLinkMode.Live, PaymentLinkMode.Test, PaymentLinkMode.Test]);
    }

    [Test]
    public async Task Without_an_authorization_requirement_a_request_from_elsewhere_is_refused_and_a_warning_says_so()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkReport(Route));

        var remote = await host.SendFromAsync(IPAddress.Parse("203.0.113.9"), "GET", Route);
        var local = await host.SendFromAsync(IPAddress.Loopback, "GET", Route);

        remote.Response.StatusCode.ShouldBe(403);
        local.Response.StatusCode.ShouldBe(200);
        local.Response.ContentType.ShouldBe("text/html; charset=utf-8");
        host.Logs.Entries.ShouldContain(entry => entry.Message.Contains($"({Route}) has no authorization requirement", StringComparison.Ordinal));
    }

    [Test]
    public async Task On_a_390_pixel_phone_the_charts_scale_and_only_the_table_scrolls_inside_its_box()
    {
        var many = Rows.Concat(Enumerable.Range(1, 8).Select(i => new CampaignReportRow(
            $"partner_{i}_with_a_rather_long_source_name", "affiliate", $"black_friday_{i}", "eur", i, i, i * 123_456, i, i, 0, 0, Gross: i * 123_456))).ToArray();
        await using var host = await StartAsync(new FixedReportAttribution(many), kestrel: true);
        await using var browser = await HeadlessChromium.StartAsync(PhoneWidth, 844);

        await browser.NavigateAsync(new Uri(host.Client.BaseAddress!, Route).AbsoluteUri);
        var layout = await PhoneLayout.MeasureAsync(browser);
        await browser.ScreenshotAsync(Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-page-phone.png"));

        layout.Viewport.ShouldBe(PhoneWidth);
        layout.Heading.ShouldBe("Revenue by campaign");
        layout.ScrollWidth.ShouldBeLessThanOrEqualTo(PhoneWidth);
        layout.Overflowing.ShouldBeEmpty();
        layout.ChartWidths.Length.ShouldBe(6);
        layout.ChartWidths.ShouldAllBe(width => width > 250 && width <= PhoneWidth);
        layout.TableBoxWidth!.Value.ShouldBeLessThanOrEqualTo(PhoneWidth);
        layout.TableWidth!.Value.ShouldBeGreaterThan(layout.TableBoxWidth.Value);
        layout.Text.ShouldContain("partner_8_with_a_rather_long_source_name / affiliate / black_friday_8");
    }

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
