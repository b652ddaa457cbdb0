using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Samples;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

public class ConsoleSampleTests
{
    private const string StripeExample = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";
    private const string Header = "base_url,client_reference_id,utm_source,utm_medium,utm_campaign,utm_term,utm_content";

    private ServiceProvider _services = null!;
    private IPaymentLinkUrlFactory _links = null!;
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _services = new ServiceCollection().AddPaymentLinkTracking(options =>
        {
            options.DefaultUtm = new UtmCodes { Source = "sample" };
            options.Links["stripe-example"] = StripeExample;
        }).BuildServiceProvider();
        _links = _services.GetRequiredService<IPaymentLinkUrlFactory>();
        _directory = Directory.CreateTempSubdirectory("paymentlinks-console-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Run_with_no_arguments_shows_stripes_example_and_the_configured_campaigns()
    {
        using var sample = SampleProcess.Start("PaymentLinks.Tracking.Samples.Console", []);

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, sample.Error);

        sample.Output.ShouldContain($"{StripeExample}?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a");
        sample.Output.ShouldContain("https://pay.example.com/b/team-yearly?plan=yearly&utm_source=paymentlinks_sample&utm_medium=referral");
        sample.Output.ShouldContain("dropped client_reference_id (value withheld)");
        sample.Output.ShouldNotContain("sk_live_");
        sample.Error.ShouldBeEmpty();
    }

    [Test]
    public void Link_prints_the_tracked_link_and_lists_each_drop_on_standard_error()
    {
        var (exitCode, output, error) = Run(
            "link", StripeExample, "--utm-source", "newsletter", "--utm-medium=email", "--utm-campaign", "Spring Sale",
            "--utm-term", "plans", "--utm-content", "header", "--client-reference-id", "sk_live_51H8notARealKey",
            "--prefilled-email", "jenny.rosen@example.com", "--locale", "fr-CA", "--promo-code", "SPRING25");

        exitCode.ShouldBe(0);
        output.ShouldBe(
            $"{StripeExample}?utm_source=newsletter&utm_medium=email&utm_term=plans&utm_content=header"
            + "&prefilled_email=jenny.rosen%40example.com&locale=fr-CA&prefilled_promo_code=SPRING25" + Environment.NewLine);
        error.ShouldContain("dropped utm_campaign \"Spring Sale\": invalid character U+0020 at position 6");
        error.ShouldContain("dropped client_reference_id (value withheld)");
        error.ShouldNotContain("sk_live_");
    }

    [Test]
    public void Link_takes_a_configured_link_by_name_with_its_default_utm_codes()
    {
        var (exitCode, output, _) = Run("link", "stripe-example", "--client-reference-id", "order-1042");

        exitCode.ShouldBe(0);
        output.Trim().ShouldBe($"{StripeExample}?utm_source=sample&client_reference_id=order-1042");
    }

    [TestCase("not a url", "'not a url' is neither an absolute http(s) URL nor the name of a link")]
    [TestCase("ftp://buy.stripe.com/x", "'ftp://buy.stripe.com/x' is neither an absolute http(s) URL")]
    [TestCase("--utm-source", "the base link comes first")]
    public void Link_with_a_base_that_is_not_a_url_exits_with_code_2_and_says_why(string baseLink, string message)
    {
        var (exitCode, output, error) = Run("link", baseLink, "x");

        exitCode.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldContain(message);
    }

    [TestCase(new[] { "link", StripeExample, "--utm-sauce", "x" }, "unknown option '--utm-sauce'")]
    [TestCase(new[] { "link", StripeExample, "--utm-source" }, "option '--utm-source' needs a value")]
    [TestCase(new[] { "link", StripeExample, "--utm-source", "a", "--utm-source=b" }, "option '--utm-source' is given twice")]
    [TestCase(new[] { "link" }, "Usage:")]
    [TestCase(new[] { "publish" }, "unknown command 'publish'")]
    [TestCase(new[] { "bulk" }, "the input CSV file is missing")]
    [TestCase(new[] { "bulk", "/nonexistent/links.csv" }, "the input file '/nonexistent/links.csv' does not exist")]
    [TestCase(new[] { "bulk", "a.csv", "--output" }, "option '--output' needs a file name")]
    public void Bad_arguments_exit_with_code_2_and_a_message(string[] args, string message)
    {
        var (exitCode, _, error) = Run(args);

        exitCode.ShouldBe(2);
        error.ShouldContain(message);
    }

    [TestCase("--help", "Usage:")]
    [TestCase("link --help", "--client-reference-id <value>")]
    [TestCase("bulk --help", "tracked_url")]
    public void Help_is_printed_on_standard_output_with_code_0(string args, string expected)
    {
        var (exitCode, output, _) = Run(args.Split(' '));

        exitCode.ShouldBe(0);
        output.ShouldContain(expected);
    }

    [Test]
    public void Bulk_writes_the_input_columns_then_the_tracked_url_and_the_drops()
    {
        var input = Write("links.csv", $"""
            {Header}
            {StripeExample},order-1042,newsletter,email,spring_sale,,header
            stripe-example,order-1043,,social,"Spring Sale!",,
            """);
        var outputPath = Path.Combine(_directory, "tracked.csv");

        var (exitCode, output, error) = Run("bulk", input, "--output", outputPath);

        exitCode.ShouldBe(0);
        output.ShouldBeEmpty();
        File.ReadAllText(outputPath).ShouldBe(
            $"{Header},tracked_url,dropped\r\n"
            + $"{StripeExample},order-1042,newsletter,email,spring_sale,,header,"
            + $"{StripeExample}?client_reference_id=order-1042&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale&utm_content=header,\r\n"
            + "stripe-example,order-1043,,social,Spring Sale!,,,"
            + $"{StripeExample}?utm_source=sample&client_reference_id=order-1043&utm_medium=social,"
            + "\"utm_campaign \"\"Spring Sale!\"\": invalid character U+0020 at position 6: only ASCII letters, digits, '-' and '_' are allowed\"\r\n");
        error.ShouldContain("bulk: 2 rows, 2 tracked links, 1 values dropped, 0 rows without a valid base link.");
    }

    [Test]
    public void Bulk_keeps_quoted_commas_quotes_and_line_breaks_of_other_columns_as_they_were()
    {
        var input = Write("links.csv", $"note,base_url,client_reference_id\r\n\"first, \"\"quoted\"\"\nsecond line\",{StripeExample},order-1\r\n");

        var (exitCode, output, _) = Run("bulk", input);

        exitCode.ShouldBe(0);
        output.ShouldBe(
            "note,base_url,client_reference_id,tracked_url,dropped\r\n"
            + $"\"first, \"\"quoted\"\"\nsecond line\",{StripeExample},order-1,{StripeExample}?client_reference_id=order-1,\r\n");
    }

    [Test]
    public void Bulk_reports_a_row_without_a_valid_base_link_in_the_row_and_exits_with_code_1()
    {
        var input = Write("links.csv", $"""
            base_url,client_reference_id
            not a link,order-1
            ,order-2
            {StripeExample},order-3
            """);

        var (exitCode, output, error) = Run("bulk", input);

        exitCode.ShouldBe(1);
        var lines = output.Split("\r\n");
        lines[1].ShouldBe("not a link,order-1,,error: 'not a link' is neither an absolute http(s) URL nor the name of a link in appsettings.json (configured: stripe-example).");
        lines[2].ShouldBe(",order-2,,error: the base_url cell is empty.");
        lines[3].ShouldBe($"{StripeExample},order-3,{StripeExample}?client_reference_id=order-3,");
        error.ShouldContain("2 rows without a valid base link");
    }

    [Test]
    public void Bulk_pads_a_short_row_and_refuses_a_long_one_naming_its_line()
    {
        var input = Write("links.csv", $"base_url,client_reference_id,utm_source\n{StripeExample}\n{StripeExample},a,b,c\n");

        var (exitCode, output, error) = Run("bulk", input);

        exitCode.ShouldBe(2);
        output.Split("\r\n")[1].ShouldBe($"{StripeExample},,,{StripeExample},");
        error.ShouldContain("line 3: 4 fields, but the header has 3");
    }

    [TestCase("client_reference_id,utm_source\n", "the header has no base_url column")]
    [TestCase("base_url,utm_source,UTM_SOURCE\n", "the header names utm_source twice")]
    [TestCase("", "the input file is empty")]
    [TestCase("base_url\n\"https://buy.stripe.com/x\n", "line 2: a quoted field is never closed")]
    [TestCase("base_url\n\"https://buy.stripe.com/x\"x\n", "line 2: a quoted field must be followed by a comma")]
    public void Bulk_refuses_a_malformed_file_with_code_2(string content, string message)
    {
        var (exitCode, _, error) = Run("bulk", Write("links.csv", content));

        exitCode.ShouldBe(2);
        error.ShouldContain(message);
    }

    [Test]
    public void Bulk_prints_a_progress_line_every_100000_rows_and_writes_every_row()
    {
        var input = new GeneratedRows(250_000);
        var output = new CountingWriter();
        var error = new StringWriter();

        var exitCode = BulkCommand.Track(input, output, _links, error);

        exitCode.ShouldBe(0);
        output.Lines.ShouldBe(250_001);
        error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).ShouldBe(
        [
            "bulk: 100,000 rows...",
            "bulk: 200,000 rows...",
            "bulk: 250,000 rows, 250,000 tracked links, 2,500 values dropped, 0 rows without a valid base link.",
        ]);
    }

    private (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = TrackingTool.Run(args, _links, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    /// <summary>A CSV of many rows, made as it is read: the test holds no more of it than the command does.</summary>
    private sealed class GeneratedRows(int rows) : TextReader
    {
        private int _next = -1;

        public override string? ReadLine()
        {
            var row = _next++;
            return row < 0 ? Header
                : row >= rows ? null
                : $"{StripeExample},order-{row},newsletter,email,{(row % 100 == 0 ? "Spring Sale" : "spring_sale")},,";
        }
    }

    private sealed class CountingWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public int Lines { get; private set; }

        public override void Write(char value)
        {
            if (value == '\n')
            {
                Lines++;
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? string.Empty)
            {
                Write(c);
            }
        }
    }
}
