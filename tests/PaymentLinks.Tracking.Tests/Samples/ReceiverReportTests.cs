using System.Net;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// The WebhookReceiver sample's <c>/report</c> and <c>/thanks</c>, started as its own process on 127.0.0.1 with a
/// SQLite ledger in a temporary folder, and its Stripe calls answered by a loopback server in Stripe's shapes.
/// </summary>
[NonParallelizable]
public sealed class ReceiverReportTests : IAsyncDisposable
{
    private const int PhoneWidth = 390;
    private const string StripeKey = "rk_test_51PgcReceiverKey0000000000000000";
    private const string TrackedLink = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";

    private DirectoryInfo _folder = null!;
    private LoopbackStripeServer _stripe = null!;
    private RunningReceiver _receiver = null!;

    [OneTimeSetUp]
    public async Task StartReceiver()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-report-");
        _stripe = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));
        _receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}",
            ["PaymentLinkTracking__StripeApiKey"] = StripeKey,
            ["PaymentLinkTracking__StripeApiBase"] = _stripe.ApiBase,
            ["PaymentLinkTracking__Links__pro"] = TrackedLink,
        });
    }

    // NUnit calls it as the teardown and again as the fixture's disposal: the second call finds nothing left.
    [OneTimeTearDown]
    public async ValueTask DisposeAsync()
    {
        _receiver?.Dispose();
        _receiver = null!;
        if (_stripe is not null)
        {
            await _stripe.DisposeAsync();
            _stripe = null!;
        }

        _folder?.Delete(recursive: true);
        _folder = null!;
    }

    [Test]
    public async Task The_report_renders_on_a_390_pixel_phone_without_overflowing_even_when_empty()
    {
        await using var browser = await HeadlessChromium.StartAsync(PhoneWidth, 844);

        await browser.NavigateAsync($"{_receiver.Http.BaseAddress}report");
        var layout = await PhoneLayout.MeasureAsync(browser);
        await browser.ScreenshotAsync(Path.Combine(TestContext.CurrentContext.WorkDirectory, "receiver-report-phone.png"));

        layout.Viewport.ShouldBe(PhoneWidth);
        layout.Heading.ShouldBe("Revenue by campaign");
        layout.ScrollWidth.ShouldBeLessThanOrEqualTo(PhoneWidth);
        layout.Overflowing.ShouldBeEmpty();
        layout.Text.ShouldContain("No sales to show yet");
        layout.Text.ShouldContain("stripe trigger checkout.session.completed");
    }

    [Test]
    public async Task The_report_is_an_html_page_for_people()
    {
        using var response = await _receiver.Http.GetAsync("/report?since=2026-11-01&until=2026-12-01");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldStartWith("<!DOCTYPE html>");
        html.ShouldContain("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.ShouldContain("From 2026-11-01 to 2026-12-01 (end excluded) (UTC)");
    }

    [Test]
    public async Task The_json_report_is_the_consoles_json()
    {
        using var response = await _receiver.Http.GetAsync("/report?format=json&since=2026-11-01");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await response.Content.ReadAsStringAsync()).ShouldBe(CampaignReportJson.ToJson([], indented: true));
    }

    [TestCase("/report?since=yesterday", "since &quot;yesterday&quot; is not a date", "text/html")]
    [TestCase("/report?since=%3Cb%3E", "since &quot;&lt;b&gt;&quot; is not a date", "text/html")]
    [TestCase("/report?until=2026-02-30", "until &quot;2026-02-30&quot; is not a date", "text/html")]
    [TestCase("/report?since=2026-12-01&until=2026-11-01", "must be after since", "text/html")]
    [TestCase("/report?format=json&since=tomorrow", "since \"tomorrow\" is not a date", "text/plain")]
    [TestCase("/report?format=xml", "format is html (the default) or json.", "text/plain")]
    [TestCase("/report?mode=both", "mode is live (the default) or test.", "text/plain")]
    public async Task A_bad_period_or_format_is_answered_400_saying_why(string path, string message, string mediaType)
    {
        using var response = await _receiver.Http.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe(mediaType);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain(message);
    }

    [TestCase("/thanks?utm_source=newsletter", "visit: not recorded: the page has no session_id\n")]
    [TestCase("/thanks?session_id=not-a-session&utm_source=newsletter", "visit: not recorded: the session_id is not a Checkout Session id\n")]
    public async Task A_thank_you_page_without_a_valid_session_id_thanks_the_buyer_and_records_nothing(string path, string expected)
    {
        using var response = await _receiver.Http.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldStartWith("Thank you for your order.");
        body.ShouldContain(expected);
        body.ShouldNotContain("conversion tag");
        _stripe.Requests.ShouldNotContain(request => request.Target.Contains("not-a-session", StringComparison.Ordinal));
    }

    [Test]
    public async Task With_a_stripe_key_the_thank_you_page_shows_the_conversion_tag_with_the_email_hashed_and_never_logs_the_email()
    {
        var body = await _receiver.Http.GetStringAsync("/thanks?session_id=cs_test_a1b2C3&utm_source=newsletter&utm_campaign=spring_sale");

        TestContext.Out.WriteLine(body);
        body.ShouldStartWith("Thank you for your order.");
        var hashed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("example@example.com")));
        body.ShouldContain($"conversion tag: value 20.00, currency USD, email_sha256 {hashed}\n");
        body.ShouldNotContain("example@example.com");
        await _receiver.WaitForOutput("Conversion for session cs_test_a1b2C3: 20.00 USD, email hashed");
        _receiver.Output.ShouldNotContain("example@example.com");
        _receiver.Output.ShouldNotContain(StripeKey);
    }

    [Test]
    public async Task A_tracked_link_of_the_configured_links_records_the_click_and_sends_the_buyer_to_stripe()
    {
        // Never followed: the answer's Location is Stripe's.
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _receiver.Http.BaseAddress };

        using var click = await client.GetAsync("/go/pro?utm_source=google&gclid=EAIaIQob_sample&consent=granted");
        using var unknown = await client.GetAsync("/go/elsewhere?url=https://evil.example/");

        click.StatusCode.ShouldBe(HttpStatusCode.Found);
        var location = click.Headers.Location!;
        location.GetLeftPart(UriPartial.Path).ShouldBe(TrackedLink);
        location.Query.ShouldContain("utm_source=google");
        location.Query.ShouldContain("client_reference_id=" + ClientReferenceCodec.ClickMarker);
        click.Headers.GetValues("Set-Cookie").Single().ShouldStartWith("plt_visitor=");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Headers.Location.ShouldBeNull();
    }
}
