using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Samples;
using PaymentLinks.Tracking.Tests.Attribution;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// The console's <c>report</c> over an in-test attribution source (<see cref="FixedReportAttribution"/>): these tests
/// are about the formats, the dates and the exit codes; the rows' computation is the ledger's, tested on its engines.
/// </summary>
public class ConsoleReportTests
{
    private ServiceProvider _services = null!;
    private IPaymentLinkUrlFactory _links = null!;
    private FixedReportAttribution _attribution = null!;

    [SetUp]
    public void SetUp()
    {
        _services = new ServiceCollection().AddPaymentLinkTracking(_ => { }).BuildServiceProvider();
        _links = _services.GetRequiredService<IPaymentLinkUrlFactory>();
        _attribution = new FixedReportAttribution(FixedReportAttribution.ExampleRows);
    }

    [TearDown]
    public void TearDown() => _services.Dispose();

    [Test]
    public void The_table_shows_each_campaign_with_revenue_in_major_units_and_its_currency()
    {
        var (exitCode, output, error) = Run("report");

        exitCode.ShouldBe(0, error);
        var lines = output.TrimEnd().Split(Environment.NewLine);
        lines[0].ShouldBe("Revenue by campaign, all time (UTC)");
        lines[2].ShouldStartWith("campaign ");
        lines[4].ShouldContain("newsletter / email / spring_sale");
        lines[4].ShouldContain("548.90 EUR");
        lines[4].ShouldContain("598.80 EUR");
        lines[4].ShouldContain("49.90 EUR");
        lines[5].ShouldContain("1,397.20 USD");
        lines[6].ShouldContain("12,000 JPY");
        lines[6].ShouldContain("15,000 JPY");
        lines[6].ShouldContain("3,000 JPY");
        lines[2].ShouldContain("gross");
        lines[2].ShouldContain("refunded");
        lines[2].ShouldContain("net");
        lines[7].ShouldStartWith("(unattributed) ");
        lines[7].ShouldContain("19.98 USD");
    }

    [Test]
    public void The_tables_columns_line_up()
    {
        var (_, output, _) = Run("report");

        var table = output.TrimEnd().Split(Environment.NewLine)[2..];
        // Every line ends at the same place: the last column (by link) is right-aligned under its header.
        table.Select(line => line.Length).Distinct().Count().ShouldBe(1, output);
        var revenueEnd = table[0].IndexOf(" net", StringComparison.Ordinal) + " net".Length;
        table[2..].ShouldAllBe(line => line[revenueEnd - 1] != ' ');
    }

    [Test]
    public void Test_data_is_reported_on_request_and_its_presence_is_said_when_live_data_is_empty()
    {
        _attribution = new FixedReportAttribution { TestRows = FixedReportAttribution.ExampleRows };

        var (liveExit, liveOutput, liveError) = Run("report", "--format", "json");
        var (testExit, testOutput, _) = Run("report", "--mode", "test");

        (liveExit, testExit).ShouldBe((0, 0));
        liveOutput.Trim().ShouldBe("[]");
        liveError.ShouldContain("only test data: run with --mode test");
        testOutput.ShouldContain("(UTC), test data");
        testOutput.ShouldContain("548.90 EUR");
        ((FixedReportAttribution)_attribution).Modes.ShouldBe([PaymentLinkMode.Live, PaymentLinkMode.Test, PaymentLinkMode.Test]);
    }

    [Test]
    public void An_empty_report_says_so_and_exits_0()
    {
        _attribution = new FixedReportAttribution();

        var (exitCode, output, _) = Run("report", "--since", "2026-11-01");

        exitCode.ShouldBe(0);
        output.ShouldContain("Revenue by campaign, from 2026-11-01 (UTC)");
        output.ShouldContain("No money moved in this period.");
    }

    [Test]
    public void Csv_has_the_reports_names_as_header_revenue_in_minor_units_and_empty_codes_when_unattributed()
    {
        var (exitCode, output, _) = Run("report", "--format", "csv");

        exitCode.ShouldBe(0);
        output.ShouldBe(
            "utm_source,utm_medium,utm_campaign,currency,sessions,paid,revenue,visits,by_visit,by_reference,by_link,gross,renewals,renewal_revenue,refunded,disputed,tax\r\n"
            + "newsletter,email,spring_sale,eur,12,11,54890,9,9,2,0,59880,2,9980,4990,0,9560\r\n"
            + "google,cpc,brand,usd,30,28,139720,20,20,0,8,139720,0,0,0,0,0\r\n"
            + "instagram,social,launch,jpy,4,4,12000,1,1,3,0,15000,0,0,0,3000,0\r\n"
            + ",,,usd,3,2,1998,0,0,0,0,1998,0,0,0,0,0\r\n");
    }

    [Test]
    public void Json_is_the_librarys_report_json_with_null_codes_when_unattributed()
    {
        var (exitCode, output, _) = Run("report", "--format=json");

        exitCode.ShouldBe(0);
        output.ShouldBe(CampaignReportJson.ToJson(FixedReportAttribution.ExampleRows, indented: true) + Environment.NewLine);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetArrayLength().ShouldBe(4);
        json.RootElement[0].GetProperty("revenue").GetInt64().ShouldBe(54890);
        json.RootElement[3].GetProperty("utm_source").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [TestCase("2026-11-01", "2026-11-01T00:00:00Z")]
    [TestCase("2026-11-01T09:30:00Z", "2026-11-01T09:30:00Z")]
    [TestCase("2026-11-01T09:30Z", "2026-11-01T09:30:00Z")]
    [TestCase("2026-11-01T10:30:00+01:00", "2026-11-01T09:30:00Z")]
    [TestCase("2026-11-01T09:30:00", "2026-11-01T09:30:00Z")]
    [TestCase("2026-11-01T09:30:00.250Z", "2026-11-01T09:30:00.25Z")]
    [TestCase("2024-02-29", "2024-02-29T00:00:00Z")]
    public void Dates_are_iso_dates_or_timestamps_read_as_utc(string text, string expected)
    {
        var instant = DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture);

        var (exitCode, _, error) = Run("report", "--since", text, "--until", "2030-01-01");

        exitCode.ShouldBe(0, error);
        _attribution.Periods.ShouldHaveSingleItem().ShouldBe((instant, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        _attribution.Periods[0].Since!.Value.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Test]
    public void Without_dates_the_whole_ledger_is_reported()
    {
        Run("report").ExitCode.ShouldBe(0);

        _attribution.Periods.ShouldHaveSingleItem().ShouldBe((null, null));
    }

    [TestCase("--since", "2026-13-01")]
    [TestCase("--since", "2025-02-29")]
    [TestCase("--until", "11/01/2026")]
    [TestCase("--until", "01.11.2026")]
    [TestCase("--since", "yesterday")]
    [TestCase("--since", "2026-11-01 09:30")]
    [TestCase("--since", "20261101")]
    [TestCase("--since", "")]
    public void A_bad_date_exits_with_code_2_says_which_option_and_reads_nothing(string option, string text)
    {
        var (exitCode, output, error) = Run("report", option, text);

        exitCode.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldStartWith($"error: {option} \"{text}\" is not a date: use an ISO date such as 2026-11-01");
        _attribution.Periods.ShouldBeEmpty();
    }

    [TestCase("2026-11-01", "2026-11-01")]
    [TestCase("2026-11-02", "2026-11-01")]
    public void An_end_not_after_the_start_exits_with_code_2(string since, string until)
    {
        var (exitCode, _, error) = Run("report", "--since", since, "--until", until);

        exitCode.ShouldBe(2);
        error.ShouldContain("must be after since");
        _attribution.Periods.ShouldBeEmpty();
    }

    // New York moves its clocks forward on 2026-03-08: that day runs from 05:00 UTC to 04:00 UTC the day after.
    [Test]
    public void Tz_reads_the_dates_as_midnights_in_that_zone_and_an_unknown_zone_exits_with_code_2()
    {
        var (exitCode, _, error) = Run("report", "--since", "2026-03-08", "--until", "2026-03-09", "--tz", "America/New_York", "--format", "json");
        var (unknown, _, unknownError) = Run("report", "--since", "2026-03-08", "--tz", "Nowhere/Atlantis");

        exitCode.ShouldBe(0, error);
        _attribution.Periods[0].ShouldBe((new DateTimeOffset(2026, 3, 8, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 9, 4, 0, 0, TimeSpan.Zero)));
        unknown.ShouldBe(2);
        unknownError.ShouldContain("--tz \"Nowhere/Atlantis\" is not a time zone");
    }

    [Test]
    public void The_model_and_the_time_zone_go_together()
    {
        var (exitCode, output, error) = Run("report", "--since", "2026-03-08", "--until", "2026-03-09", "--tz", "America/New_York", "--model", "time-decay");

        exitCode.ShouldBe(0, error);
        _attribution.Models.ShouldBe([AttributionModel.TimeDecay]);
        _attribution.Periods.ShouldBe([(new DateTimeOffset(2026, 3, 8, 5, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 9, 4, 0, 0, TimeSpan.Zero))]);
        output.Split(Environment.NewLine)[0].ShouldEndWith(", time-decay attribution");
    }

    [Test]
    public void A_rebuild_without_a_ledger_exits_with_code_1_and_says_so()
    {
        var (exitCode, output, error) = Run("report", "rebuild");

        exitCode.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldBe("error: no ledger is configured, so there is nothing to rebuild." + Environment.NewLine);
    }

    [Test]
    public void The_model_is_asked_of_the_ledger_and_named_in_the_tables_title()
    {
        var (exitCode, output, error) = Run("report", "--model", "linear");
        var (_, byDefault, _) = Run("report", "--format", "json");

        exitCode.ShouldBe(0, error);
        output.Split(Environment.NewLine)[0].ShouldBe("Revenue by campaign, all time (UTC), linear attribution");
        byDefault.ShouldBe(CampaignReportJson.ToJson(FixedReportAttribution.ExampleRows, indented: true) + Environment.NewLine);
        _attribution.Models.ShouldBe([AttributionModel.Linear, AttributionModel.LastClick]);
    }

    [Test]
    public void An_unknown_model_exits_with_code_2_naming_the_models()
    {
        var (exitCode, _, error) = Run("report", "--model", "u-shaped");

        exitCode.ShouldBe(2);
        error.ShouldContain("'u-shaped'");
        error.ShouldContain("position-based");
        _attribution.Periods.ShouldBeEmpty();
    }

    [Test]
    public void An_unknown_format_exits_with_code_2()
    {
        var (exitCode, _, error) = Run("report", "--format", "xml");

        exitCode.ShouldBe(2);
        error.ShouldContain("'xml'");
        _attribution.Periods.ShouldBeEmpty();
    }

    [Test]
    public void A_ledger_that_cannot_be_read_exits_with_code_1_and_says_so()
    {
        _attribution = new FixedReportAttribution { Failure = new SqliteException("SQLite Error 14: 'unable to open database file'.", 14) };

        var (exitCode, output, error) = Run("report");

        exitCode.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldBe("error: the ledger could not be read: SQLite Error 14: 'unable to open database file'." + Environment.NewLine);
    }

    [Test]
    public void A_ledger_without_attribution_exits_with_code_1_and_says_so()
    {
        using var ledgerWithoutAttribution = new ServiceCollection().BuildServiceProvider();

        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = TrackingTool.Run(["report"], _links, output, error, openLedger: () => ledgerWithoutAttribution);

        exitCode.ShouldBe(1);
        error.ToString().ShouldContain("keeps no attribution");
    }

    [Test]
    public void Link_and_help_never_open_the_ledger()
    {
        var opened = 0;
        IServiceProvider Open()
        {
            opened++;
            throw new InvalidOperationException("The ledger was opened.");
        }

        TrackingTool.Run(["link", "https://buy.stripe.com/x", "--utm-source", "a"], _links, new StringWriter(), new StringWriter(), openLedger: Open).ShouldBe(0);
        TrackingTool.Run(["report", "--help"], _links, new StringWriter(), new StringWriter(), openLedger: Open).ShouldBe(0);
        TrackingTool.Run(["--help"], _links, new StringWriter(), new StringWriter(), openLedger: Open).ShouldBe(0);

        opened.ShouldBe(0);
    }

    [TestCase("report --help", "--format <csv|json|table>")]
    [TestCase("report --help", "in minor units in csv and json")]
    [TestCase("report --help", "Exit codes: 0 the report was printed")]
    [TestCase("report --help", "--model <first-click|last-click|last-non-direct|linear|position-based|time-decay>")]
    [TestCase("--help", "report")]
    [TestCase("report --help", "--tz <zone>")]
    [TestCase("report --help", "rebuild")]
    [TestCase("report rebuild --help", "--since <date>")]
    public void Help_explains_the_report(string args, string expected)
    {
        var (exitCode, output, _) = Run(args.Split(' '));

        exitCode.ShouldBe(0);
        output.ShouldContain(expected);
    }

    [Test]
    public async Task The_program_refuses_a_bad_date_with_exit_code_2_before_opening_any_database()
    {
        using var sample = SampleProcess.Start("PaymentLinks.Tracking.Samples.Console", ["report", "--until", "next week"]);

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(2);

        sample.Error.ShouldStartWith("error: --until \"next week\" is not a date");
        File.Exists(Path.Combine(Path.GetDirectoryName(SampleProcess.ProgramPath("PaymentLinks.Tracking.Samples.Console"))!, "paymentlinks-ledger.db")).ShouldBeFalse();
    }

    [Test]
    public async Task A_reader_on_a_mistyped_ledger_path_exits_1_naming_the_file_and_creates_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-typo-");
        var typo = Path.Combine(folder.FullName, "ledgr", "paymentlinks-ledger.db");
        try
        {
            foreach (var command in new[] { "report", "sessions list" })
            {
                using var sample = SampleProcess.Start(
                    "PaymentLinks.Tracking.Samples.Console", command.Split(' '), new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={typo}" });

                (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(1, sample.Output + sample.Error);
                sample.Error.ShouldContain($"there is no ledger at {typo}");
                Directory.Exists(Path.GetDirectoryName(typo)).ShouldBeFalse();
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var ledger = new ServiceCollection().AddSingleton<IPaymentLinkAttribution>(_attribution).BuildServiceProvider();
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = TrackingTool.Run(args, _links, output, error, openLedger: () => ledger);
        return (exitCode, output.ToString(), error.ToString());
    }
}
