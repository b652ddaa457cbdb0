using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// Attribution end to end on the real SQLite ledger: the WebhookReceiver sample, started as its own process on a ledger
/// file, is sent signed <c>checkout.session.completed</c> events and thank-you page visits over HTTP; its
/// <c>/report?format=json</c> and the console's <c>report --format json</c> over the same file must give the rows worked
/// out by hand below.
/// </summary>
[NonParallelizable]
public sealed class AttributionEndToEndTests
{
    private const string Newsletter = "utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale";
    private const string Partner = "utm_source=partner&utm_medium=referral&utm_campaign=black_friday";

    // By revenue, highest first. Spring sale in usd: A (visited after its webhook), B (visited before it) and F (visited,
    // unpaid). Black Friday through the partner in eur: C, whose first visit counts, not its second with the newsletter's
    // codes. Black Friday through ads in eur: D, by its link's metadata, never visited. Launch on social in jpy: G, by the
    // campaign key the console's link command put in its client_reference_id. Unattributed in usd: E.
    private static readonly CampaignReportRow[] Expected =
    [
        new("newsletter", "email", "spring_sale", "usd", Sessions: 3, Paid: 2, Revenue: 4200 + 1500, Visits: 3, ByVisit: 3, ByReference: 0, ByLink: 0, Gross: 4200 + 1500),
        new("partner", "referral", "black_friday", "eur", Sessions: 1, Paid: 1, Revenue: 3000, Visits: 1, ByVisit: 1, ByReference: 0, ByLink: 0, Gross: 3000),
        new("ads", "cpc", "black_friday", "eur", Sessions: 1, Paid: 1, Revenue: 2500, Visits: 0, ByVisit: 0, ByReference: 0, ByLink: 1, Gross: 2500),
        new("social", "paid", "launch", "jpy", Sessions: 1, Paid: 1, Revenue: 1200, Visits: 0, ByVisit: 0, ByReference: 1, ByLink: 0, Gross: 1200),
        new(null, null, null, "usd", Sessions: 1, Paid: 1, Revenue: 999, Visits: 0, ByVisit: 0, ByReference: 0, ByLink: 0, Gross: 999),
    ];

    private DirectoryInfo _folder = null!;
    private string _connectionString = null!;
    private RunningReceiver _receiver = null!;

    [OneTimeSetUp]
    public async Task StartReceiverAndRecordTheSales()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-attribution-");
        _connectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}";
        _receiver = await RunningReceiver.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = _connectionString });

        await Visit("cs_test_e2eB", Newsletter, "recorded: this visit's campaign is the session's");
        await Complete("cs_test_e2eA", "usd", 4200);
        await Complete("cs_test_e2eB", "usd", 1500);
        await Complete("cs_test_e2eC", "eur", 3000);
        await Complete("cs_test_e2eD", "eur", 2500, linkUtm: ("ads", "cpc", "black_friday"));
        await Complete("cs_test_e2eE", "usd", 999);
        await Complete("cs_test_e2eF", "usd", 2000, paymentStatus: "unpaid");
        await Complete("cs_test_e2eG", "jpy", 1200, clientReferenceId: await ConsoleLinkReference());
        await Visit("cs_test_e2eA", Newsletter, "recorded: this visit's campaign is the session's");
        await Visit("cs_test_e2eC", Partner, "recorded: this visit's campaign is the session's");
        await Visit("cs_test_e2eC", Newsletter, "recorded again: the first visit's campaign stands");
        await Visit("cs_test_e2eF", Newsletter, "recorded: this visit's campaign is the session's");
    }

    [OneTimeTearDown]
    public void StopReceiver()
    {
        _receiver?.Dispose();
        _folder?.Delete(recursive: true);
    }

    [Test]
    public async Task The_receivers_json_report_has_the_rows_worked_out_by_hand()
    {
        // The events are test-mode events, as Stripe's test keys make: the live report has none of them.
        (await _receiver.Http.GetStringAsync("/report?format=json")).ShouldBe("[]");
        using var response = await _receiver.Http.GetAsync("/report?format=json&mode=test");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe(CampaignReportJson.ToJson(Expected, indented: true));
    }

    [Test]
    public async Task The_live_page_says_only_test_data_exists_and_the_test_page_draws_net_revenue_over_time()
    {
        var live = await _receiver.Http.GetStringAsync("/report");
        var test = await _receiver.Http.GetStringAsync("/report?mode=test");

        live.ShouldContain("Only test data so far");
        live.ShouldContain("href=\"/report?mode=test\"");
        test.ShouldContain("<strong>test data</strong>");
        test.ShouldContain("Net revenue over time in USD");
        test.ShouldContain("aria-label=\"Net revenue over time by campaign\"");
        test.ShouldContain("name=\"mode\" value=\"test\"");
    }

    [Test]
    public async Task The_consoles_json_report_over_the_same_file_prints_the_same_json()
    {
        var report = await _receiver.Http.GetStringAsync("/report?format=json&mode=test");
        using var console = SampleProcess.Start(
            "PaymentLinks.Tracking.Samples.Console", ["report", "--format", "json", "--mode", "test"],
            new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = _connectionString });

        (await console.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, console.Error);

        console.Output.ShouldBe(CampaignReportJson.ToJson(Expected, indented: true) + Environment.NewLine);
        console.Output.TrimEnd().ShouldBe(report);
    }

    private async Task Complete(
        string sessionId,
        string currency,
        long amount,
        (string Source, string Medium, string Campaign)? linkUtm = null,
        string paymentStatus = "paid",
        string? clientReferenceId = null)
    {
        var session = SignedWebhooks.CompletedSession(paymentStatus);
        session["id"] = sessionId;
        session["client_reference_id"] = clientReferenceId ?? "order_" + sessionId[^1];
        session["currency"] = currency;
        session["amount_total"] = amount;
        if (linkUtm is var (source, medium, campaign))
        {
            session["metadata"] = new JsonObject { ["utm_source"] = source, ["utm_medium"] = medium, ["utm_campaign"] = campaign };
        }

        var body = SignedWebhooks.Body(SignedWebhooks.Envelope("checkout.session.completed", session, id: "evt_e2e_" + sessionId, created: RunningReceiver.Now()));
        using var response = await _receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now()));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The client_reference_id of a link made by the console with CampaignKeys on, over the same ledger.</summary>
    private async Task<string> ConsoleLinkReference()
    {
        using var console = SampleProcess.Start(
            "PaymentLinks.Tracking.Samples.Console",
            ["link", "stripe-example", "--utm-source", "social", "--utm-medium", "paid", "--utm-campaign", "launch", "--client-reference-id", "order_G"],
            new Dictionary<string, string>
            {
                ["PaymentLinkTracking__CampaignKeys"] = "true",
                ["ConnectionStrings__PaymentLinkLedger"] = _connectionString,
            });
        (await console.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, console.Error);
        var reference = PaymentLinkUrl.Parse(console.Output.Trim()).ClientReferenceId!;
        ClientReferenceCodec.Decode(reference).HasKey.ShouldBeTrue(reference);
        return reference;
    }

    private async Task Visit(string sessionId, string utm, string outcome)
    {
        var page = await _receiver.Http.GetStringAsync($"/thanks?session_id={sessionId}&{utm}");
        page.ShouldContain($"visit: {outcome}\n");
    }
}
