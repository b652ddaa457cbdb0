using System.Text.Json.Nodes;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding;
using PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// The receiver sample configured through environment variables with loopback destinations (GA4 and the webhook, TikTok,
/// Google Ads): a purchase per paid session, a refund per refund.
/// </summary>
[NonParallelizable]
public sealed class ReceiverForwardingTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("paymentlinks-receiver-forwarding-").FullName;

    /// <summary>The ledger's folder goes with the test, once the receiver has stopped.</summary>
    [TearDown]
    public void RemoveFolder()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        Directory.Exists(_folder).ShouldBeFalse();
    }

    [Test]
    public async Task The_receiver_forwards_a_paid_session_with_its_visits_details_and_then_its_refund()
    {
        var folder = _folder;
        await using var destinations = new LoopbackDestinations();
        using var receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(folder, "ledger.db")}",
            ["PaymentLinkTracking__Forwarding__GoogleAnalytics__MeasurementId"] = LoopbackDestinations.MeasurementId,
            ["PaymentLinkTracking__Forwarding__GoogleAnalytics__ApiSecret"] = LoopbackDestinations.ApiSecret,
            ["PaymentLinkTracking__Forwarding__GoogleAnalytics__Endpoint"] = destinations.Server.ApiBase,
            ["PaymentLinkTracking__Forwarding__Webhook__Url"] = destinations.Server.ApiBase + LoopbackDestinations.WebhookPath,
            ["PaymentLinkTracking__Forwarding__Webhook__Secret"] = LoopbackDestinations.WebhookSecret,
            ["PaymentLinkTracking__Forwarding__PollInterval"] = "00:00:00.200",
        });
        var sessionId = LedgerContract.NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];

        using (var visit = new HttpRequestMessage(HttpMethod.Get, $"/thanks?session_id={sessionId}&consent=granted"))
        {
            visit.Headers.Add("Cookie", "_ga=GA1.1.424242.1764000000; _fbp=fb.1.1764000000000.99");
            visit.Headers.UserAgent.ParseAdd("LoopbackBrowser/1.0");
            using var page = await receiver.Http.SendAsync(visit);
            var text = await page.Content.ReadAsStringAsync();
            text.ShouldContain($"meta pixel eventID: {sessionId}");
        }

        var paid = LedgerContract.PaidEnvelope(sessionId, 4200, "usd", livemode: true, DateTimeOffset.UtcNow, SignedWebhooks.CustomerEmail, "checkout.session.completed");
        paid["data"]!["object"]!["payment_intent"] = paymentIntent;
        await PostAsync(receiver, paid);
        await WaitAsync(() => destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count == 1 && destinations.Accepted(ForwardingDestination.Webhook).Count == 1, receiver);

        var refund = SignedWebhooks.Envelope(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 4200, 1200), CheckoutEvents.NewEventId(), RunningReceiver.Now(), livemode: true, MoneyEvents.Basil);
        await PostAsync(receiver, refund);
        await PostAsync(receiver, refund);
        await WaitAsync(() => destinations.Accepted(ForwardingDestination.GoogleAnalytics).Count == 2 && destinations.Accepted(ForwardingDestination.Webhook).Count == 2, receiver);
        await Task.Delay(500);

        var ga = destinations.Accepted(ForwardingDestination.GoogleAnalytics);
        ga.Select(body => body["events"]![0]!["name"]!.GetValue<string>()).ShouldBe(["purchase", "refund"]);
        ga[0]["client_id"]!.GetValue<string>().ShouldBe("424242.1764000000");
        ga[0]["consent"]!["ad_user_data"]!.GetValue<string>().ShouldBe("GRANTED");
        ga[1]["events"]![0]!["params"]!["value"]!.GetValue<decimal>().ShouldBe(12.00m);
        var hooks = destinations.Accepted(ForwardingDestination.Webhook);
        hooks.Select(body => body["type"]!.GetValue<string>()).ShouldBe([ConversionWebhookEvent.PaidType, ConversionWebhookEvent.RefundedType]);
        receiver.Output.ShouldNotContain(LoopbackDestinations.ApiSecret);
        receiver.Output.ShouldNotContain(LoopbackDestinations.WebhookSecret);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Test]
    public async Task The_receiver_forwards_a_paid_session_to_TikTok_when_its_settings_are_present()
    {
        const string accessToken = "receiverTikTokAccessToken0123456789abcdef";
        await using var tiktok = new PaymentLinks.Tracking.Tests.StripeApi.LoopbackStripeServer(
            new PaymentLinks.Tracking.Tests.StripeApi.StripeAnswer(200, """{"code":0,"message":"OK","request_id":"receiver1","data":{}}"""));
        using var receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(_folder, "ledger.db")}",
            ["PaymentLinkTracking__Forwarding__TikTok__PixelCode"] = "C4RECEIVER0123456789",
            ["PaymentLinkTracking__Forwarding__TikTok__AccessToken"] = accessToken,
            ["PaymentLinkTracking__Forwarding__TikTok__Endpoint"] = tiktok.ApiBase,
            ["PaymentLinkTracking__Forwarding__PollInterval"] = "00:00:00.200",
        });
        var sessionId = LedgerContract.NewLiveSessionId();
        using (var visit = new HttpRequestMessage(HttpMethod.Get, $"/thanks?session_id={sessionId}&consent=granted"))
        {
            visit.Headers.UserAgent.ParseAdd("LoopbackBrowser/1.0");
            using var page = await receiver.Http.SendAsync(visit);
            (await page.Content.ReadAsStringAsync()).ShouldContain($"tiktok pixel event_id: {sessionId}");
        }

        await PostAsync(receiver, LedgerContract.PaidEnvelope(sessionId, 4200, "usd", livemode: true, DateTimeOffset.UtcNow, SignedWebhooks.CustomerEmail, "checkout.session.completed"));
        await WaitAsync(() => tiktok.Requests.Count == 1, receiver);

        var request = tiktok.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/open_api/v1.3/event/track/");
        var tiktokEvent = JsonNode.Parse(request.RawBody)!["data"]![0]!;
        tiktokEvent["event"]!.GetValue<string>().ShouldBe("CompletePayment");
        tiktokEvent["event_id"]!.GetValue<string>().ShouldBe(sessionId);
        tiktokEvent["user"]!["user_agent"]!.GetValue<string>().ShouldBe("LoopbackBrowser/1.0");
        receiver.Output.ShouldNotContain(accessToken);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Test]
    public async Task The_receiver_forwards_a_paid_session_from_an_ad_click_to_Google_Ads_when_its_settings_are_present()
    {
        await using var google = new LoopbackGoogle();
        var key = google.ServiceAccountKey();
        using var receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(_folder, "ledger.db")}",
            ["PaymentLinkTracking__Links__spring"] = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr",
            ["PaymentLinkTracking__Forwarding__GoogleAds__OperatingAccountId"] = LoopbackGoogle.OperatingAccountId,
            ["PaymentLinkTracking__Forwarding__GoogleAds__ConversionActionId"] = LoopbackGoogle.ConversionActionId,
            ["PaymentLinkTracking__Forwarding__GoogleAds__CredentialsJson"] = key,
            ["PaymentLinkTracking__Forwarding__GoogleAds__Endpoint"] = google.Endpoint.AbsoluteUri,
            ["PaymentLinkTracking__Forwarding__PollInterval"] = "00:00:00.200",
        });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = receiver.Http.BaseAddress };
        using var click = await client.GetAsync("/go/spring?utm_source=google&gclid=EAIaIQobChMI_receiver&consent=granted");
        var reference = System.Web.HttpUtility.ParseQueryString(click.Headers.Location.ShouldNotBeNull().Query)["client_reference_id"].ShouldNotBeNull();
        var sessionId = LedgerContract.NewLiveSessionId();
        var paid = LedgerContract.PaidEnvelope(sessionId, 4200, "usd", livemode: true, DateTimeOffset.UtcNow, SignedWebhooks.CustomerEmail, "checkout.session.completed");
        paid["data"]!["object"]!["client_reference_id"] = reference;

        await PostAsync(receiver, paid);
        await WaitAsync(() => google.Accepted.Count == 1, receiver);

        google.TokenRequests.ShouldBe(1);
        var sent = google.Accepted.Single()["events"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)sent["transactionId"]).ShouldBe(sessionId);
        ((string?)sent["adIdentifiers"]!["gclid"]).ShouldBe("EAIaIQobChMI_receiver");
        sent["conversionValue"]!.GetValue<decimal>().ShouldBe(42.00m);
        google.Conversions[sessionId].Count.ShouldBe(1);
        receiver.Output.ShouldNotContain("PRIVATE KEY");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static async Task PostAsync(RunningReceiver receiver, JsonObject envelope)
    {
        var body = SignedWebhooks.Body(envelope);
        using var response = await receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now()));
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private static async Task WaitAsync(Func<bool> done, RunningReceiver receiver)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException("The receiver did not forward in time:\n" + receiver.Output);
            }

            await Task.Delay(50);
        }
    }
}
