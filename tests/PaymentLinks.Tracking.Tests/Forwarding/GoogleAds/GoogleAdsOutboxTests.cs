using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.GoogleAds;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;

/// <summary>
/// The Google Ads destination added with <c>AddGoogleAdsForwarding</c> beside the forwarding outbox of a real SQLite
/// ledger: what the worker sends to the loopback events:ingest, and what the outbox keeps.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The loopback server and the provider are disposed in TearDown.")]
public sealed class GoogleAdsOutboxTests
{
    private static readonly ForwardingDestination GoogleAds = ForwardingDestination.Named("google_ads");

    private DirectoryInfo _folder = null!;
    private LoopbackGoogle _google = null!;
    private ServiceProvider _provider = null!;

    [SetUp]
    public void Start()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-googleads-");
        _google = new LoopbackGoogle();
    }

    [TearDown]
    public async Task Stop()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await _google.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private (DbPaymentLinkLedger Ledger, ForwardingWorker Worker, IPaymentLinkForwarding Forwarding) Host(bool assumeConsent = true, bool knownKey = true, Uri? tokenEndpoint = null)
    {
        var services = new ServiceCollection();
        services.AddPaymentLinkTracking(options => options.Links["pro"] = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr");
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}";
            options.RunFulfillment = false;
        });
        services.AddPaymentLinkForwarding(options =>
        {
            options.AssumeConsent = assumeConsent;
            options.RequestTimeout = TimeSpan.FromSeconds(20);
            options.RetryDelay = TimeSpan.Zero;
            options.MaxRetryDelay = TimeSpan.Zero;
        });
        var configured = GoogleAdsDestinationTests.Options(_google, knownKey);
        services.AddGoogleAdsForwarding(options =>
        {
            options.OperatingAccountId = configured.OperatingAccountId;
            options.LoginAccountId = configured.LoginAccountId;
            options.ConversionActionId = configured.ConversionActionId;
            options.CredentialsJson = configured.CredentialsJson;
            options.Endpoint = configured.Endpoint;
            options.TokenEndpoint = tokenEndpoint;
        });
        _provider = services.BuildServiceProvider();
        return (
            _provider.GetRequiredService<DbPaymentLinkLedger>(),
            _provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            _provider.GetRequiredService<IPaymentLinkForwarding>());
    }

    private static async Task DrainAsync(ForwardingWorker worker)
    {
        for (var round = 0; round < 200 && await worker.ForwardRoundAsync(CancellationToken.None); round++)
        {
        }
    }

    [Test]
    public async Task Ten_thousand_paid_sessions_reach_Google_Ads_in_at_most_5_requests_of_at_most_2000_events_each()
    {
        var (ledger, worker, forwarding) = Host();
        var sessions = Enumerable.Range(0, 10_000).Select(_ => LedgerContract.NewLiveSessionId()).ToList();
        foreach (var session in sessions)
        {
            await ledger.RecordAsync(LedgerContract.PaidEvent(session));
        }

        await DrainAsync(worker);

        _google.Ingested.Count.ShouldBeLessThanOrEqualTo(5);
        _google.Ingested.ShouldAllBe(i => i.Status == 200);
        _google.Accepted.ShouldAllBe(body => body["events"]!.AsArray().Count <= 2000);
        var sent = _google.Accepted.SelectMany(body => body["events"]!.AsArray()).Select(e => (string)e!["transactionId"]!).ToList();
        sent.Count.ShouldBe(10_000);
        sent.ToHashSet().SetEquals(sessions).ShouldBeTrue();
        (await forwarding.ListAsync(ForwardingState.Sent, 10_000)).Count(row => row.Destination == GoogleAds).ShouldBe(10_000);
        _google.TokenRequests.ShouldBe(1);
    }

    [Test]
    public async Task A_session_from_a_recorded_ad_click_reaches_Google_Ads_with_its_gclid_alone_as_Google_refuses_two_click_ids()
    {
        var (ledger, worker, forwarding) = Host(assumeConsent: false);
        var redirect = (await _provider.GetRequiredService<IPaymentLinkClicks>().RecordClickAsync(new PaymentLinkClick
        {
            LinkName = "pro",
            Gclid = "EAIaIQobChMI_gclid",
            Gbraid = "gbraid_1",
            Wbraid = "wbraid_1",
        })).ShouldNotBeNull();
        var session = LedgerContract.NewLiveSessionId();
        var reference = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(redirect.Location.Query)["client_reference_id"].ToString();
        await ledger.RecordAsync(LedgerContract.PaidEventWithReference(session, reference));

        await DrainAsync(worker);

        var sent = _google.Accepted.ShouldHaveSingleItem()["events"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)sent["transactionId"]).ShouldBe(session);
        sent["adIdentifiers"]!.AsObject().Select(p => p.Key).ShouldBe(["gclid"]);
        ((string?)sent["adIdentifiers"]!["gclid"]).ShouldBe("EAIaIQobChMI_gclid");
        sent.AsObject().ContainsKey("userData").ShouldBeFalse("the buyer's consent is not recorded");
        ((string?)sent["consent"]!["adUserData"]).ShouldBe("CONSENT_DENIED");
        (await forwarding.ListAsync()).Single(r => r.Destination == GoogleAds).State.ShouldBe(ForwardingState.Sent);
    }

    [Test]
    public async Task A_session_without_a_Google_click_id_or_consent_for_its_email_is_withheld_and_the_list_says_why()
    {
        var (ledger, worker, forwarding) = Host(assumeConsent: false);
        var session = LedgerContract.NewLiveSessionId();
        await ledger.RecordAsync(LedgerContract.PaidEvent(session));

        await DrainAsync(worker);

        _google.Ingested.ShouldBeEmpty();
        var row = (await forwarding.ListAsync()).Single(r => r.Destination == GoogleAds);
        row.SessionId.ShouldBe(session);
        row.State.ShouldBe(ForwardingState.Withheld);
        row.LastError.ShouldBe("Not sent to Google Ads: the session has no Google click id (gclid, gbraid or wbraid) and the buyer's consent for their email is not recorded, so Google Ads could match it to no ad click.");
    }

    [Test]
    public async Task A_429_then_a_503_then_success_sends_the_conversion_once()
    {
        var (ledger, worker, forwarding) = Host();
        _google.Override = (number, _) => number switch
        {
            1 => LoopbackGoogle.Status(429, "RESOURCE_EXHAUSTED", "Quota exceeded."),
            2 => LoopbackGoogle.Status(503, "UNAVAILABLE", "The service is currently unavailable."),
            _ => null,
        };
        var session = LedgerContract.NewLiveSessionId();
        await ledger.RecordAsync(LedgerContract.PaidEvent(session));

        for (var round = 0; round < 50 && _google.Accepted.Count == 0; round++)
        {
            await worker.ForwardRoundAsync(CancellationToken.None);
            await Task.Delay(10);
        }

        _google.Ingested.Select(i => i.Status).ShouldBe([429, 503, 200]);
        var row = (await forwarding.ListAsync()).Single(r => r.Destination == GoogleAds);
        row.State.ShouldBe(ForwardingState.Sent);
        row.Attempts.ShouldBe(3);
        ((string?)_google.Accepted.Single()["events"]![0]!["transactionId"]).ShouldBe(session);
    }

    [Test]
    public async Task A_key_Google_refuses_fails_the_conversion_at_once_with_the_token_endpoints_reason()
    {
        var (ledger, worker, forwarding) = Host(knownKey: false);
        await ledger.RecordAsync(LedgerContract.PaidEvent(LedgerContract.NewLiveSessionId()));

        await DrainAsync(worker);

        _google.Ingested.ShouldBeEmpty();
        var row = (await forwarding.ListAsync()).Single(r => r.Destination == GoogleAds);
        row.State.ShouldBe(ForwardingState.Failed);
        row.Attempts.ShouldBe(1);
        row.LastError.ShouldNotBeNull().ShouldContain("invalid_grant");
    }

    [Test]
    public async Task A_token_endpoint_that_redirects_fails_the_conversion_with_the_reason_and_the_assertion_goes_nowhere_else()
    {
        await using var elsewhere = new LoopbackStripeServer(new StripeAnswer(200, """{"access_token":"ya29.elsewhere","expires_in":3599,"token_type":"Bearer"}"""));
        await using var redirecting = new LoopbackStripeServer(new StripeAnswer(307, string.Empty)
        {
            Headers = new Dictionary<string, string> { ["Location"] = elsewhere.ApiBase + "/token" },
        });
        var (ledger, worker, forwarding) = Host(tokenEndpoint: new Uri(redirecting.ApiBase + "/token"));
        var session = LedgerContract.NewLiveSessionId();
        await ledger.RecordAsync(LedgerContract.PaidEvent(session));

        await DrainAsync(worker);

        redirecting.Requests.ShouldNotBeEmpty();
        elsewhere.Requests.ShouldBeEmpty("the signed assertion must not follow a redirect to another address");
        _google.Ingested.ShouldBeEmpty();
        var row = (await forwarding.ListAsync()).Single(r => r.Destination == GoogleAds);
        row.SessionId.ShouldBe(session);
        row.State.ShouldBe(ForwardingState.Failed, "kept in the failed list, where it can be sent again once the token endpoint is right");
        row.LastError.ShouldBe($"google_ads: Google's token endpoint answered 307, a redirect to {elsewhere.ApiBase}/token, which is not followed: set TokenEndpoint (or the key's token_uri) to the address that answers.");
    }

    [Test]
    public async Task A_token_endpoint_answering_503_without_a_body_leaves_the_conversion_pending_with_the_reason()
    {
        await using var unavailable = new LoopbackStripeServer(new StripeAnswer(503, string.Empty));
        var (ledger, worker, forwarding) = Host(tokenEndpoint: new Uri(unavailable.ApiBase + "/token"));
        await ledger.RecordAsync(LedgerContract.PaidEvent(LedgerContract.NewLiveSessionId()));

        await worker.ForwardRoundAsync(CancellationToken.None);

        unavailable.Requests.ShouldNotBeEmpty();
        _google.Ingested.ShouldBeEmpty();
        var row = (await forwarding.ListAsync()).Single(r => r.Destination == GoogleAds);
        row.State.ShouldBe(ForwardingState.Pending, "a 503 passes: the conversion is tried again");
        row.LastError.ShouldNotBeNull().ShouldContain("Google's token endpoint answered 503");
    }

    [Test]
    public async Task Validate_asks_Google_with_validateOnly_and_reports_its_answer_under_google_ads()
    {
        var (_, _, forwarding) = Host();

        var result = (await forwarding.ValidateAsync()).Single(r => r.Destination == GoogleAds);

        result.IsValid.ShouldBeTrue();
        ((bool)_google.Accepted.ShouldHaveSingleItem()["validateOnly"]!).ShouldBeTrue();
    }
}
