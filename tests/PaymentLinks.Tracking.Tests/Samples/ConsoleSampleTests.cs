using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
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
    public void Link_with_a_base_that_is_not_a_url_exits_with_code_2_and_says_why(string baseLink, string message)
    {
        var (exitCode, output, error) = Run("link", baseLink);

        exitCode.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldContain(message);
    }

    [Test]
    public void Link_takes_its_options_before_or_after_the_base_link()
    {
        var (exitCode, output, _) = Run("link", "--utm-source", "newsletter", StripeExample, "--utm-medium=email");

        exitCode.ShouldBe(0);
        output.Trim().ShouldBe($"{StripeExample}?utm_source=newsletter&utm_medium=email");
    }

    [TestCase(new[] { "link", StripeExample, "--utm-sauce", "x" }, "'--utm-sauce'")]
    [TestCase(new[] { "link", StripeExample, "--utm-source" }, "'--utm-source'")]
    [TestCase(new[] { "link", StripeExample, "--utm-source", "a", "--utm-source=b" }, "'--utm-source'")]
    [TestCase(new[] { "link", StripeExample, "extra" }, "'extra'")]
    [TestCase(new[] { "link", "--utm-source", "x" }, "Required argument missing for command: 'link'")]
    [TestCase(new[] { "publish" }, "'publish'")]
    [TestCase(new[] { "bulk" }, "Required argument missing for command: 'bulk'")]
    [TestCase(new[] { "bulk", "/nonexistent/links.csv" }, "the input file '/nonexistent/links.csv' does not exist")]
    public void Bad_arguments_exit_with_code_2_an_error_and_the_commands_help_on_standard_error(string[] args, string message)
    {
        var (exitCode, output, error) = Run(args);

        exitCode.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldStartWith("error: ");
        error.ShouldContain(message);
        error.ShouldContain("Usage:");
    }

    [Test]
    public void A_base_link_starting_with_an_at_sign_is_not_read_as_a_response_file()
    {
        var (exitCode, _, error) = Run("link", "@" + Write("arguments.rsp", "https://buy.stripe.com/x"));

        exitCode.ShouldBe(2);
        error.ShouldContain("is neither an absolute http(s) URL");
    }

    [TestCase("--help", "Usage:")]
    [TestCase("--help", "bulk <links.csv>")]
    [TestCase("link --help", "--client-reference-id <value>")]
    [TestCase("link --help", "Exit codes: 0 the link was printed")]
    [TestCase("bulk --help", "--output <tracked.csv>")]
    [TestCase("bulk --help", "tracked_url")]
    [TestCase("bulk -h", "Exit codes: 0 every row was tracked")]
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
        error.ShouldContain("bulk: 2 rows, 2 tracked links, 1 value dropped, 0 rows without a valid base link.");
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

    [TestCase("\r\n")]
    [TestCase("\n")]
    [TestCase("\r")]
    public void Bulk_keeps_a_line_break_inside_a_quoted_field_as_written(string lineBreak)
    {
        var input = Write("links.csv", $"note,base_url\n\"first{lineBreak}second\",{StripeExample}\n");

        var (exitCode, output, _) = Run("bulk", input);

        exitCode.ShouldBe(0);
        output.Split("\r\n", 2)[1].ShouldBe($"\"first{lineBreak}second\",{StripeExample},{StripeExample},\r\n");
    }

    [Test]
    public void Bulk_reads_a_file_that_starts_with_a_byte_order_mark()
    {
        var input = Path.Combine(_directory, "bom.csv");
        File.WriteAllText(input, $"base_url,client_reference_id\n{StripeExample},order-1\n", new UTF8Encoding(true));

        var (exitCode, output, _) = Run("bulk", input);

        exitCode.ShouldBe(0);
        output.ShouldStartWith("base_url,client_reference_id,tracked_url,dropped\r\n");
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

    [Test]
    public void Bulk_reports_a_row_too_short_to_reach_its_base_url_column_as_a_row_without_a_base_link()
    {
        var input = Write("links.csv", $"note,base_url\nfirst\nsecond,{StripeExample}\n");

        var (exitCode, output, _) = Run("bulk", input);

        exitCode.ShouldBe(1);
        output.Split("\r\n")[1].ShouldBe("first,,,error: the base_url cell is empty.");
        output.Split("\r\n")[2].ShouldBe($"second,{StripeExample},{StripeExample},");
    }

    [TestCase("client_reference_id,utm_source\n", "the header has no base_url column")]
    [TestCase("base_url,utm_source,UTM_SOURCE\n", "the header names utm_source twice")]
    [TestCase("", "the input file is empty")]
    [TestCase("base_url\nhttps://buy.stripe.com/x\n\"https://buy.stripe.com/y\n", "(line 3): a quoted field that is never closed")]
    [TestCase("base_url\n\"https://buy.stripe.com/x\"x\n", "(line 2): text after the closing quote")]
    [TestCase("base_url\nhttps://buy.stripe.com/\"x\n", "(line 2): a quote inside an unquoted field")]
    public void Bulk_refuses_a_malformed_file_with_code_2_naming_its_line(string content, string message)
    {
        var (exitCode, _, error) = Run("bulk", Write("links.csv", content));

        exitCode.ShouldBe(2);
        error.ShouldContain(message);
    }

    [TestCase(new byte[] { 0xE9 }, 3, "0xE9")]           // "é" in Latin-1 or Windows-1252
    [TestCase(new byte[] { 0xC3, 0x28 }, 3, "0xC3")]     // a lead byte without its continuation
    [TestCase(new byte[] { 0xFF }, 3, "0xFF")]
    public void Bulk_refuses_a_file_that_is_not_utf8_naming_the_line(byte[] bad, int line, string shown)
    {
        var input = Path.Combine(_directory, "latin1.csv");
        File.WriteAllBytes(input, [
            .. Encoding.ASCII.GetBytes($"base_url,utm_content\n{StripeExample},ok\n{StripeExample},caf"), .. bad,
            .. Encoding.ASCII.GetBytes($"\n{StripeExample},later\n")]);

        var (exitCode, output, error) = Run("bulk", input);

        exitCode.ShouldBe(2);
        error.ShouldContain($"line {line}: the file is not UTF-8 (byte {shown}");
        error.ShouldNotContain("invalid character");
        output.ShouldNotContain("\uFFFD");
    }

    [Test]
    public void Bulk_names_the_line_of_a_non_utf8_byte_inside_a_quoted_field_that_spans_lines()
    {
        var input = Path.Combine(_directory, "latin1.csv");
        File.WriteAllBytes(input, [.. Encoding.ASCII.GetBytes($"note,base_url\n\"one\ntwo\nth"), 0xE9, .. Encoding.ASCII.GetBytes($"ree\",{StripeExample}\n")]);

        var (exitCode, _, error) = Run("bulk", input);

        exitCode.ShouldBe(2);
        error.ShouldContain("line 4: the file is not UTF-8");
    }

    [Test]
    public void Bulk_refuses_a_folder_as_its_input_saying_it_is_a_folder()
    {
        var (exitCode, _, error) = Run("bulk", _directory);

        exitCode.ShouldBe(2);
        error.ShouldContain($"the input '{_directory}' is a folder, not a CSV file");
        error.ShouldNotContain("does not exist");
    }

    [Test]
    public void Bulk_refuses_an_output_in_a_folder_that_does_not_exist_with_code_2()
    {
        var input = Write("links.csv", $"base_url\n{StripeExample}\n");
        var missing = Path.Combine(_directory, "missing", "tracked.csv");

        var (exitCode, _, error) = Run("bulk", input, "--output", missing);

        exitCode.ShouldBe(2);
        error.ShouldContain($"the folder '{Path.Combine(_directory, "missing")}' for --output '{missing}' does not exist");
        Directory.Exists(Path.Combine(_directory, "missing")).ShouldBeFalse();
    }

    [TestCase("--output", "'--output'")]
    [TestCase("--output=", "'--output'")]
    [TestCase("-o", "'-o'")]
    [TestCase("--output ", "option '--output' needs a file name")]
    public void Bulk_refuses_an_output_option_without_a_file_name(string option, string message)
    {
        var (exitCode, _, error) = Run(["bulk", Write("links.csv", $"base_url\n{StripeExample}\n"), .. option.Split(' ')]);

        exitCode.ShouldBe(2);
        error.ShouldContain(message);
    }

    [Test]
    public void Bulk_refuses_a_folder_as_its_output()
    {
        var input = Write("links.csv", $"base_url\n{StripeExample}\n");

        var (exitCode, _, error) = Run("bulk", input, "--output", _directory);

        exitCode.ShouldBe(2);
        error.ShouldContain($"--output '{_directory}' is a folder");
    }

    [TestCase("same path")]
    [TestCase("same path, written another way")]
    [TestCase("symbolic link")]
    [TestCase("hard link")]
    [TestCase("symbolic link to the folder")]
    public void Bulk_refuses_an_output_that_is_its_input_and_leaves_the_input_as_it_was(string how)
    {
        var content = $"base_url,client_reference_id\n{StripeExample},order-1\n";
        var input = Write("links.csv", content);
        var output = how switch
        {
            "same path" => input,
            "same path, written another way" => Path.Combine(_directory, ".", "..", Path.GetFileName(_directory), "links.csv"),
            "symbolic link" => File.CreateSymbolicLink(Path.Combine(_directory, "alias.csv"), input).FullName,
            "hard link" => HardLink(input, Path.Combine(_directory, "hard.csv")),
            _ => Path.Combine(Directory.CreateSymbolicLink(Path.Combine(_directory, "alias"), _directory).FullName, "links.csv"),
        };

        var (exitCode, _, error) = Run("bulk", input, "--output", output);

        exitCode.ShouldBe(2);
        error.ShouldContain($"--output '{output}' is the input file");
        File.ReadAllText(input).ShouldBe(content);
        Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Test]
    public void Bulk_replaces_an_existing_output_only_when_every_row_is_written()
    {
        var outputPath = Path.Combine(_directory, "tracked.csv");
        File.WriteAllText(outputPath, "the last good run\n");
        var malformed = Write("bad.csv", $"base_url\n{StripeExample}\n\"never closed\n");

        var (failed, _, _) = Run("bulk", malformed, "--output", outputPath);

        failed.ShouldBe(2);
        File.ReadAllText(outputPath).ShouldBe("the last good run\n");
        Directory.GetFiles(_directory, "*.tmp").ShouldBeEmpty();

        var (succeeded, _, _) = Run("bulk", Write("good.csv", $"base_url\n{StripeExample}\n"), "--output", outputPath);

        succeeded.ShouldBe(0);
        File.ReadAllText(outputPath).ShouldBe($"base_url,tracked_url,dropped\r\n{StripeExample},{StripeExample},\r\n");
        Directory.GetFiles(_directory, "*.tmp").ShouldBeEmpty();
    }

    [Test]
    public void Bulk_writes_every_row_of_a_long_file_and_a_summary_without_progress_when_standard_error_is_not_a_terminal()
    {
        using var input = new GeneratedRows(250_000);
        var output = new CountingWriter();
        var error = new StringWriter();

        var exitCode = CsvLinkTracker.Track(input, output, _links, error);

        exitCode.ShouldBe(0);
        output.Lines.ShouldBe(250_001);
        error.ToString().ShouldBe(
            "bulk: 250,000 rows, 250,000 tracked links, 2,500 values dropped, 0 rows without a valid base link." + Environment.NewLine);
    }

    [Test]
    public void Bulk_draws_a_progress_bar_on_a_terminal_in_place_and_clears_it_before_the_summary()
    {
        using var input = new GeneratedRows(5_000);
        var output = new StringWriter();
        var terminal = new StringWriter();
        var time = new FakeTimeProvider { AutoAdvanceAmount = BulkProgress.RedrawInterval };

        var exitCode = CsvLinkTracker.Track(input, output, _links, terminal, new BulkProgress(terminal, input.Length, time));

        exitCode.ShouldBe(0);
        var drawn = terminal.ToString();
        drawn.ShouldContain("\rbulk [");
        drawn.ShouldContain("1,024 rows");
        drawn.ShouldContain("4,096 rows");
        drawn.ShouldContain("%  4,096 rows");
        var summary = drawn[(drawn.LastIndexOf('\r') + 1)..];
        summary.ShouldBe("bulk: 5,000 rows, 5,000 tracked links, 50 values dropped, 0 rows without a valid base link." + Environment.NewLine);
        output.ToString().ShouldNotContain("bulk [");
    }

    [Test]
    public async Task Bulk_run_as_a_process_refuses_its_input_as_output_and_leaves_it_whole()
    {
        var content = $"base_url,client_reference_id\n{StripeExample},order-1\n";
        var input = Write("links.csv", content);

        using var sample = SampleProcess.Start("PaymentLinks.Tracking.Samples.Console", ["bulk", input, "--output", input]);

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(2);
        sample.Error.ShouldContain($"--output '{input}' is the input file");
        File.ReadAllText(input).ShouldBe(content);
    }

    [Test]
    public async Task Bulk_run_as_a_process_with_standard_error_redirected_prints_only_the_csv_and_the_summary()
    {
        var input = Path.Combine(_directory, "long.csv");
        using (var rows = new GeneratedRows(200_000))
        using (var file = File.Create(input))
        {
            rows.CopyTo(file);
        }

        using var sample = SampleProcess.Start("PaymentLinks.Tracking.Samples.Console", ["bulk", input]);

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(120))).ShouldBe(0, sample.Error);
        sample.Error.ShouldBe("bulk: 200,000 rows, 200,000 tracked links, 2,000 values dropped, 0 rows without a valid base link." + Environment.NewLine);
        var lines = sample.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(200_001);
        lines[0].ShouldBe(Header + ",tracked_url,dropped");
        lines.ShouldAllBe(line => !line.Contains("bulk"));
    }

    [Test]
    public void Sign_prints_a_header_the_parser_accepts_for_the_file_as_written()
    {
        var body = SignedWebhooks.CompletedEventBody();
        var path = Path.Combine(_directory, "event.json");
        File.WriteAllBytes(path, body);

        var (exitCode, output, error) = Run(
            "sign", "--secret", SignedWebhooks.Secret, "--timestamp", SignedWebhooks.NowSeconds.ToString(CultureInfo.InvariantCulture), "--keep-created", path);

        exitCode.ShouldBe(0, error);
        var header = output.Split(Environment.NewLine)[0]["Stripe-Signature: ".Length..];
        header.ShouldBe(SignedWebhooks.Header(body, SignedWebhooks.NowSeconds));
        output.ShouldContain($"--data-binary @'{path}'");
    }

    [Test]
    public void Sign_stamps_the_event_with_the_signing_time_by_default_and_posts_the_stamped_copy()
    {
        var path = Path.Combine(_directory, "event.json");
        File.WriteAllBytes(path, SignedWebhooks.CompletedEventBody());
        var signedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var (exitCode, output, error) = Run("sign", "--secret", SignedWebhooks.Secret, "--timestamp", signedAt.ToString(CultureInfo.InvariantCulture), path);

        exitCode.ShouldBe(0, error);
        var posted = output.Split("--data-binary @'")[1].TrimEnd().TrimEnd('\'');
        posted.ShouldNotBe(path);
        var header = output.Split(Environment.NewLine)[0]["Stripe-Signature: ".Length..];
        var stamped = SignedWebhooks.Parser(SignedWebhooks.Clock(DateTimeOffset.FromUnixTimeSeconds(signedAt))).Parse(File.ReadAllBytes(posted), header);
        stamped.Created.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(signedAt));
        stamped.EventId.ShouldBe(SignedWebhooks.EventId);
        File.Delete(posted);
    }

    [Test]
    public void Sign_with_a_tracked_links_redirect_gives_the_session_its_client_reference_id()
    {
        var path = Path.Combine(_directory, "event.json");
        File.WriteAllBytes(path, SignedWebhooks.CompletedEventBody());
        var signedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var clickId = ClickRedirects.NewId();
        var reference = "order_1042" + ClientReferenceCodec.ClickMarker + clickId;

        var (exitCode, output, error) = Run(
            "sign", "--secret", SignedWebhooks.Secret, "--timestamp", signedAt.ToString(CultureInfo.InvariantCulture),
            "--redirect", $"https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_source=newsletter&client_reference_id={reference}", path);

        exitCode.ShouldBe(0, error);
        var posted = output.Split("--data-binary @'")[1].TrimEnd().TrimEnd('\'');
        var header = output.Split(Environment.NewLine)[0]["Stripe-Signature: ".Length..];
        var stamped = SignedWebhooks.Parser(SignedWebhooks.Clock(DateTimeOffset.FromUnixTimeSeconds(signedAt))).Parse(File.ReadAllBytes(posted), header);
        stamped.Checkout!.ClientReferenceId.ShouldBe(reference);
        ClientReferenceCodec.Decode(stamped.Checkout.ClientReferenceId).ClickId.ShouldBe(clickId);
        File.Delete(posted);

        var kept = Run("sign", "--secret", SignedWebhooks.Secret, "--keep-created", "--redirect", $"https://buy.stripe.com/x?client_reference_id={reference}", path);
        kept.ExitCode.ShouldBe(2);
        kept.Error.ShouldContain("--keep-created");
        var noReference = Run("sign", "--secret", SignedWebhooks.Secret, "--redirect", "https://buy.stripe.com/x?utm_source=a", path);
        noReference.ExitCode.ShouldBe(2);
        noReference.Error.ShouldContain("--redirect");
    }

    [Test]
    public void Sign_refuses_an_empty_file()
    {
        var path = Path.Combine(_directory, "empty.json");
        File.WriteAllBytes(path, []);

        var (exitCode, output, error) = Run("sign", "--secret", SignedWebhooks.Secret, path);

        exitCode.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldContain("empty.json is empty");
    }

    [TestCase("whsec_placeholder_from_the_docs", "placeholder")]
    [TestCase("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "looks like an API key")]
    public void Sign_refuses_a_secret_that_is_not_a_signing_secret_without_repeating_it(string secret, string reason)
    {
        var path = Path.Combine(_directory, "event.json");
        File.WriteAllBytes(path, SignedWebhooks.CompletedEventBody());

        var (exitCode, output, error) = Run("sign", "--secret", secret, path);

        exitCode.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldContain(reason);
        error.ShouldNotContain(secret);
        error.ShouldNotContain("(Parameter");
    }

    [Test]
    public void Sign_says_a_missing_file_does_not_exist_and_a_folder_is_a_folder()
    {
        var missing = Run("sign", "--secret", SignedWebhooks.Secret, Path.Combine(_directory, "missing.json"));
        var folder = Run("sign", "--secret", SignedWebhooks.Secret, _directory);

        missing.ExitCode.ShouldBe(2);
        missing.Error.ShouldContain("missing.json does not exist");
        folder.ExitCode.ShouldBe(2);
        folder.Error.ShouldContain("is a folder");
    }

    [Test]
    public async Task A_configuration_that_is_not_valid_exits_2_naming_the_option()
    {
        using var sample = SampleProcess.Start(
            "PaymentLinks.Tracking.Samples.Console",
            ["link", "stripe-example"],
            new Dictionary<string, string> { ["PaymentLinkTracking__Links__broken"] = "not a link" });

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(2, sample.Error);
        sample.Error.ShouldContain("is not valid");
        sample.Error.ShouldContain("broken");
        sample.Output.ShouldBeEmpty();
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

    private static string HardLink(string existing, string link)
    {
        Mono.Unix.Native.Syscall.link(existing, link).ShouldBe(0);
        return link;
    }

    /// <summary>A CSV file of many rows, made as it is read: the test holds no more of it than the command does.</summary>
    private sealed class GeneratedRows(int rows) : Stream
    {
        private readonly long _length = Enumerable.Range(-1, rows + 1).Sum(row => (long)Row(row).Length);
        private byte[] _current = [];
        private int _offset;
        private int _next = -1;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset == _current.Length)
            {
                if (_next >= rows)
                {
                    return 0;
                }

                _current = Row(_next++);
                _offset = 0;
            }

            var count = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsSpan(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static byte[] Row(int row) => Encoding.UTF8.GetBytes(row < 0
            ? Header + "\n"
            : $"{StripeExample},order-{row},newsletter,email,{(row % 100 == 0 ? "Spring Sale" : "spring_sale")},,\n");
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
