using NUnit.Framework;
using PaymentLinks.Tracking.Samples.WebhookReceiver;
using PaymentLinks.Tracking.Tests.Attribution;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// The receiver's report page rendered with rows from an in-test attribution source
/// (<see cref="FixedReportAttribution.ExampleRows"/>), in a browser at a phone's width. The page's code is compiled
/// into the tests from the sample; the sample's own process is tested in <see cref="ReceiverReportTests"/>.
/// </summary>
[NonParallelizable]
public class ReportPageTests
{
    private const int PhoneWidth = 390;

    private static readonly CampaignReportRow[] Rows = FixedReportAttribution.ExampleRows;

    [Test]
    public void Every_value_is_html_encoded()
    {
        var hostile = new CampaignReportRow("<script>alert(1)</script>", "e&m", "\"quoted\" 'single'", "<b>", 1, 1, 100, 0, 0, 0, 0);

        var html = ReportPage.Render([hostile], null, null, "<img src=x>", "\"><svg onload=alert(1)>");

        html.ShouldNotContain("<script");
        html.ShouldNotContain("<img");
        html.ShouldNotContain("<svg onload");
        html.ShouldNotContain("<b>");
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        html.ShouldContain("e&amp;m");
    }

    [Test]
    public void Draws_one_chart_per_currency_and_never_adds_currencies_together()
    {
        var html = ReportPage.Render(Rows, null, null, null, null);

        CountOf(html, "<svg").ShouldBe(3);
        html.ShouldContain("Revenue in EUR");
        html.ShouldContain("Revenue in USD");
        html.ShouldContain("Revenue in JPY");

        // The USD card adds the two USD rows (1,397.20 + 19.98) and nothing else.
        html.ShouldContain("<strong>1,417.18 USD</strong><span>net of 1,417.18 USD gross, 0.00 USD refunded; 30 paid sessions in 2 campaigns</span>");
        html.ShouldContain("<strong>548.90 EUR</strong><span>net of 598.80 EUR gross, 49.90 EUR refunded; 11 paid sessions in 1 campaign</span>");
        html.ShouldContain("<strong>12,000 JPY</strong><span>net of 15,000 JPY gross, 0 JPY refunded; 4 paid sessions in 1 campaign</span>");
    }

    [Test]
    public void The_table_shows_each_row_with_its_campaign_revenue_and_counts()
    {
        var html = ReportPage.Render(Rows, null, null, null, null);

        html.ShouldContain("<tr><th scope=\"row\">newsletter / email / spring_sale</th><td>548.90 EUR</td><td>598.80 EUR</td><td>49.90 EUR</td><td>0.00 EUR</td><td>2</td><td>11</td><td>12</td><td>9</td><td>9</td><td>2</td><td>0</td></tr>");
        html.ShouldContain("<td>12,000 JPY</td><td>15,000 JPY</td><td>0 JPY</td><td>3,000 JPY</td>");
        html.ShouldContain("<tr><th scope=\"row\" class=\"unattributed\">(unattributed)</th><td>19.98 USD</td>");
    }

    [Test]
    public void The_period_and_the_json_link_keep_the_dates_asked_for()
    {
        var since = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        var html = ReportPage.Render(Rows, since, until, "2026-11-01", "2026-12-01");

        html.ShouldContain("From 2026-11-01 to 2026-12-01 (end excluded) (UTC)");
        html.ShouldContain("href=\"/report?format=json&amp;since=2026-11-01&amp;until=2026-12-01\"");
        html.ShouldContain("name=\"since\" value=\"2026-11-01\"");
    }

    [TestCase(false, "As soon as a buyer pays through one of your tracked payment links")]
    [TestCase(true, "No checkout was completed in this period.")]
    public void An_empty_report_says_what_to_do_instead_of_showing_an_empty_table(bool withPeriod, string expected)
    {
        var since = withPeriod ? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) : (DateTimeOffset?)null;

        var html = ReportPage.Render([], since, null, withPeriod ? "2026-11-01" : null, null);

        html.ShouldContain("No sales to show yet");
        html.ShouldContain(expected);
        html.ShouldNotContain("<table");
        html.ShouldNotContain("<svg");
    }

    [Test]
    public async Task On_a_390_pixel_phone_the_charts_scale_and_only_the_table_scrolls_inside_its_box()
    {
        var many = Rows.Concat(Enumerable.Range(1, 8).Select(i => new CampaignReportRow(
            $"partner_{i}_with_a_rather_long_source_name", "affiliate", $"black_friday_{i}", "eur", i, i, i * 123_456, i, i, 0, 0))).ToArray();
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-page-phone.html");
        await File.WriteAllTextAsync(file, ReportPage.Render(many, null, null, null, null));
        await using var browser = await HeadlessChromium.StartAsync(PhoneWidth, 844);

        await browser.NavigateAsync(new Uri(file).AbsoluteUri);
        var layout = await PhoneLayout.MeasureAsync(browser);
        await browser.ScreenshotAsync(Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-page-phone.png"));

        layout.Viewport.ShouldBe(PhoneWidth);
        layout.Heading.ShouldBe("Revenue by campaign");
        layout.ScrollWidth.ShouldBeLessThanOrEqualTo(PhoneWidth);
        layout.Overflowing.ShouldBeEmpty();
        layout.ChartWidths.Length.ShouldBe(3);
        layout.ChartWidths.ShouldAllBe(width => width > 250 && width <= PhoneWidth);
        layout.TableBoxWidth!.Value.ShouldBeLessThanOrEqualTo(PhoneWidth);
        layout.TableWidth!.Value.ShouldBeGreaterThan(layout.TableBoxWidth.Value);
        layout.Text.ShouldContain("partner_8_with_a_rather_long_source_name / affiliate / black_friday_8");
    }

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
