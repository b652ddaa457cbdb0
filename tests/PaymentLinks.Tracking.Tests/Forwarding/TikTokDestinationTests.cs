using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding;

/// <summary>
/// TikTok's Events API on a loopback server in its shapes: <c>POST /open_api/v1.3/event/track/</c> with the
/// <c>Access-Token</c> header, answered <c>{"code":0,"message":"OK","request_id":"..."}</c> on success and HTTP 200 with
/// a non-zero <c>code</c> on a refusal. <see cref="Answer"/> replaces the answer by request.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "Each test's loopback server is disposed in its TearDown.")]
public sealed class TikTokDestinationTests
{
    private const string PixelCode = "C4LOOPBACK0123456789";
    private const string AccessToken = "loopbackTikTokAccessToken0123456789abcdef";
    private const string Ok = """{"code":0,"message":"OK","request_id":"202612061200loopback","data":{}}""";

    private DirectoryInfo _folder = null!;
    private LoopbackStripeServer _tiktok = null!;
    private readonly ConcurrentQueue<(RecordedRequest Request, int Status)> _answered = new();
    private readonly List<ServiceProvider> _providers = [];

    /// <summary>When set, called with each request and its number (from 1); an answer it gives replaces <see cref="Ok"/>.</summary>
    private Func<RecordedRequest, int, StripeAnswer?>? Answer { get; set; }

    [SetUp]
    public void Start()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-tiktok-");
        // NUnit shares one fixture instance between its tests.
        _answered.Clear();
        _providers.Clear();
        Answer = null;
        var count = 0;
        _tiktok = new LoopbackStripeServer(request =>
        {
            var answer = Answer?.Invoke(request, Interlocked.Increment(ref count)) ?? new StripeAnswer(200, Ok);
            _answered.Enqueue((request, answer.Status));
            return answer;
        });
    }

    [TearDown]
    public async Task Stop()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _tiktok.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task A_paid_session_goes_to_TikTok_once_as_a_CompletePayment_in_its_shape_however_often_its_events_arrive()
    {
        var instance = Forwarder(options => options.TikTok.TestEventCode = "TEST12345");
        var sessionId = LedgerContract.NewLiveSessionId();
        var completed = LedgerContract.PaidEvent(sessionId, email: " Buyer.Name@Example.COM ");
        await instance.Ledger.RecordAsync(completed);
        await instance.Ledger.RecordAsync(completed);
        await instance.Ledger.RecordAsync(LedgerContract.PaidEvent(sessionId, type: "checkout.session.async_payment_succeeded"));
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, ConsentingVisit);

        await DrainAsync(instance);
        await DrainAsync(instance);

        var (request, status) = _answered.ShouldHaveSingleItem();
        status.ShouldBe(200);
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/open_api/v1.3/event/track/");
        Header(request, "Access-Token").ShouldBe(AccessToken);
        var body = JsonNode.Parse(request.RawBody)!.AsObject();
        body["event_source"]!.GetValue<string>().ShouldBe("web");
        body["event_source_id"]!.GetValue<string>().ShouldBe(PixelCode);
        body["test_event_code"]!.GetValue<string>().ShouldBe("TEST12345");
        var tiktokEvent = body["data"]!.AsArray().ShouldHaveSingleItem()!;
        tiktokEvent["event"]!.GetValue<string>().ShouldBe("CompletePayment");
        tiktokEvent["event_id"]!.GetValue<string>().ShouldBe(sessionId);
        tiktokEvent["event_time"]!.GetValue<long>().ShouldBe(completed.Created.ToUnixTimeSeconds());
        tiktokEvent["user"]!["email"]!.GetValue<string>().ShouldBe(ConversionHashing.Sha256Hex("buyer.name@example.com"));
        tiktokEvent["user"]!["ip"]!.GetValue<string>().ShouldBe("203.0.113.7");
        tiktokEvent["user"]!["user_agent"]!.GetValue<string>().ShouldBe("Mozilla/5.0");
        tiktokEvent["page"]!["url"]!.GetValue<string>().ShouldBe("https://shop.example/thanks");
        tiktokEvent["properties"]!["value"]!.GetValue<decimal>().ShouldBe(42.00m);
        tiktokEvent["properties"]!["currency"]!.GetValue<string>().ShouldBe("USD");
        tiktokEvent["properties"]!["order_id"]!.GetValue<string>().ShouldBe(sessionId);
        request.RawBody.ShouldNotContain("Buyer.Name", Case.Insensitive);

        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.Destination.ShouldBe(ForwardingDestination.Named("tiktok"));
        row.State.ShouldBe(ForwardingState.Sent);
    }

    [Test]
    public async Task A_5xx_and_a_429_are_retried_until_TikTok_accepts()
    {
        Answer = (_, n) => n switch
        {
            1 => new StripeAnswer(503, "upstream unavailable"),
            2 => new StripeAnswer(429, """{"code":40100,"message":"Too many requests","request_id":"r2"}""") { Headers = new Dictionary<string, string> { ["Retry-After"] = "0" } },
            _ => null,
        };
        var instance = Forwarder();
        var sessionId = await PaidWithVisitAsync(instance);

        await DrainUntilSentAsync(instance);

        _answered.Select(a => a.Status).ShouldBe([503, 429, 200]);
        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.SessionId.ShouldBe(sessionId);
        row.State.ShouldBe(ForwardingState.Sent);
        row.Attempts.ShouldBe(3);
    }

    [Test]
    public async Task TikTok_rule_the_body_decides_not_the_status_a_rate_limit_code_at_HTTP_200_is_retried()
    {
        Answer = (_, n) => n == 1 ? new StripeAnswer(200, """{"code":40100,"message":"Too many requests","request_id":"r1"}""") : null;
        var instance = Forwarder();
        await PaidWithVisitAsync(instance);

        await DrainUntilSentAsync(instance);

        _answered.Count.ShouldBe(2);
        (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem().Attempts.ShouldBe(2);
    }

    [Test]
    public async Task TikTok_rule_a_bad_token_answered_at_HTTP_200_with_a_non_zero_code_fails_at_once_without_the_token_in_the_error()
    {
        Answer = (_, _) => new StripeAnswer(200, $$"""{"code":40001,"message":"Access token {{AccessToken}} is invalid","request_id":"r1"}""");
        var instance = Forwarder();
        await PaidWithVisitAsync(instance);

        await DrainAsync(instance);

        _answered.Count.ShouldBe(1);
        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.State.ShouldBe(ForwardingState.Failed);
        row.Attempts.ShouldBe(1);
        row.LastError.ShouldNotBeNull().ShouldContain("code 40001");
        row.LastError.ShouldNotContain(AccessToken);
    }

    [Test]
    public async Task An_event_TikTok_refuses_fails_alone_and_the_rest_of_its_batch_is_sent()
    {
        var instance = Forwarder();
        var sessions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sessions.Add(await PaidWithVisitAsync(instance));
        }

        var refused = sessions[3];
        // Any code other than a success, a rate limit, TikTok's own error or the token's: the content of an event.
        Answer = (request, _) => request.RawBody.Contains(refused, StringComparison.Ordinal)
            ? new StripeAnswer(200, """{"code":40000,"message":"Invalid value for properties.currency","request_id":"r1"}""")
            : null;

        await DrainAsync(instance);

        var rows = await instance.Forwarding.ListAsync();
        rows.Single(row => row.SessionId == refused).State.ShouldBe(ForwardingState.Failed);
        rows.Single(row => row.SessionId == refused).LastError.ShouldNotBeNull().ShouldContain("code 40000");
        rows.Where(row => row.SessionId != refused).ShouldAllBe(row => row.State == ForwardingState.Sent);
        var accepted = _answered.Where(a => a.Request.RawBody.Contains("\"code\"", StringComparison.Ordinal) || a.Status == 200)
            .Where(a => !a.Request.RawBody.Contains(refused, StringComparison.Ordinal))
            .SelectMany(a => JsonNode.Parse(a.Request.RawBody)!["data"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        accepted.Distinct().Order().ShouldBe(sessions.Where(s => s != refused).Order());
    }

    [Test]
    public async Task TikTok_rule_a_partial_success_20001_is_not_all_accepted_each_event_is_sent_again_alone_and_TikTok_dedupes_them_on_event_id()
    {
        var instance = Forwarder();
        var sessions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sessions.Add(await PaidWithVisitAsync(instance));
        }

        var refused = sessions[2];
        // TikTok in the loopback: an event_id is counted once however often it arrives; a request holding the refused
        // event among others takes the others and answers 20001 without naming which failed.
        var counted = new ConcurrentDictionary<string, int>();
        var delivered = new ConcurrentDictionary<string, int>();
        Answer = (request, _) =>
        {
            var ids = JsonNode.Parse(request.RawBody)!["data"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()).ToList();
            foreach (var id in ids)
            {
                delivered.AddOrUpdate(id, 1, (_, n) => n + 1);
            }

            foreach (var id in ids.Where(id => id != refused))
            {
                counted.TryAdd(id, 1);
            }

            return !ids.Contains(refused) ? null
                : ids.Count > 1 ? new StripeAnswer(200, """{"code":20001,"message":"Partial success: 1 of 5 events failed.","request_id":"r-partial","data":{}}""")
                : new StripeAnswer(200, """{"code":40000,"message":"Invalid value for properties.currency","request_id":"r-single"}""");
        };

        await DrainAsync(instance);

        var rows = await instance.Forwarding.ListAsync();
        rows.Count.ShouldBe(5);
        rows.Where(row => row.SessionId != refused).ShouldAllBe(row => row.State == ForwardingState.Sent);
        var failed = rows.Single(row => row.SessionId == refused);
        failed.State.ShouldBe(ForwardingState.Failed);
        failed.LastError.ShouldNotBeNull().ShouldContain("code 40000: Invalid value for properties.currency");
        counted.Keys.Order().ShouldBe(sessions.Where(s => s != refused).Order(), "each accepted event counted once by its event_id");
        delivered.Values.ShouldAllBe(n => n == 2, "the batch, then each event alone");
        _answered.Count.ShouldBe(6);
    }

    [Test]
    public async Task TikTok_rule_after_a_partial_success_the_single_answers_read_before_the_time_runs_out_are_kept()
    {
        var instance = Forwarder(options => options.RequestTimeout = TimeSpan.FromSeconds(2));
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await PaidWithVisitAsync(instance));
        }

        using var hang = new CancellationTokenSource();
        // The batch: 20001. The first single: accepted. The second: no answer within the request's time.
        Answer = (request, n) => n switch
        {
            1 => new StripeAnswer(200, """{"code":20001,"message":"Partial success.","request_id":"r-partial","data":{}}"""),
            2 => null,
            _ => HangUntil(hang.Token),
        };

        await instance.Worker.ForwardRoundAsync(CancellationToken.None);
        await hang.CancelAsync();

        var first = _answered.Where(a => a.Status == 200).Select(a => JsonNode.Parse(a.Request.RawBody)!["data"]!.AsArray())
            .Single(data => data.Count == 1)[0]!["event_id"]!.GetValue<string>();
        var rows = await instance.Forwarding.ListAsync();
        rows.Single(row => row.SessionId == first).State.ShouldBe(ForwardingState.Sent, "its single answer was read before the time ran out");
        rows.Where(row => row.SessionId != first).ShouldAllBe(row => row.State == ForwardingState.Pending && row.LastError!.Contains("time ran out"));
    }

    private static StripeAnswer HangUntil(CancellationToken token)
    {
        token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        return new StripeAnswer(503, "too late");
    }

    [Test]
    public async Task TikTok_rule_batches_carry_at_most_50_events()
    {
        // Consent assumed: the email is the identifier TikTok matches these to.
        var instance = Forwarder(options => options.AssumeConsent = true);
        for (var i = 0; i < 120; i++)
        {
            await instance.Ledger.RecordAsync(LedgerContract.PaidEvent(LedgerContract.NewLiveSessionId()));
        }

        await DrainAsync(instance);

        var sizes = _answered.Select(a => JsonNode.Parse(a.Request.RawBody)!["data"]!.AsArray().Count).ToList();
        sizes.Sum().ShouldBe(120);
        sizes.ShouldAllBe(size => size <= TikTokDestination.MaxBatch);
        sizes.Count.ShouldBe(3);
    }

    [Test]
    public async Task TikTok_rule_an_event_later_than_the_48_hour_dedup_window_is_not_sent()
    {
        var instance = Forwarder(options => options.AssumeConsent = true);
        var old = LedgerContract.NewLiveSessionId();
        await instance.Ledger.RecordAsync(LedgerContract.PaidEvent(old, created: DateTimeOffset.UtcNow - TimeSpan.FromHours(47) - TimeSpan.FromMinutes(30)));
        var recent = LedgerContract.NewLiveSessionId();
        await instance.Ledger.RecordAsync(LedgerContract.PaidEvent(recent, created: DateTimeOffset.UtcNow - TimeSpan.FromHours(46)));

        await DrainAsync(instance);

        var rows = await instance.Forwarding.ListAsync();
        rows.Single(row => row.SessionId == old).State.ShouldBe(ForwardingState.TooOld);
        rows.Single(row => row.SessionId == old).LastError.ShouldNotBeNull().ShouldContain("48 hours");
        rows.Single(row => row.SessionId == recent).State.ShouldBe(ForwardingState.Sent);
        _answered.ShouldHaveSingleItem().Request.RawBody.ShouldNotContain(old);
    }

    [Test]
    public async Task TikTok_rule_without_consent_no_identifier_goes_and_a_purchase_with_nothing_to_match_is_withheld()
    {
        var instance = Forwarder();
        var denied = LedgerContract.NewLiveSessionId();
        await instance.Ledger.RecordAsync(LedgerContract.PaidEvent(denied));
        await instance.Attribution.RecordVisitAsync(denied, UtmCodes.None, new ThankYouVisitDetails { UserAgent = "Mozilla/5.0", ClientIp = "203.0.113.7", Consent = VisitConsent.Denied });

        await DrainAsync(instance);

        _answered.ShouldBeEmpty();
        var row = (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem();
        row.State.ShouldBe(ForwardingState.Withheld);
        row.LastError.ShouldNotBeNull().ShouldContain("consent");
    }

    [Test]
    public async Task TikTok_rule_it_has_no_refund_event_so_refunds_never_reach_it_and_renewals_only_when_asked()
    {
        var instance = Forwarder();
        var sessionId = await PaidWithVisitAsync(instance);
        await DrainAsync(instance);
        await instance.Ledger.EnqueueRefundAsync(sessionId, "1000", 1000, "usd", DateTimeOffset.UtcNow, CancellationToken.None);

        await DrainAsync(instance);

        (await instance.Forwarding.ListAsync()).ShouldHaveSingleItem().Kind.ShouldBe(ForwardingKind.Purchase);
        new TikTokDestination(new TikTokForwardingOptions()).Kinds.ShouldBe([ForwardingKind.Purchase]);
        new TikTokDestination(new TikTokForwardingOptions { SendRenewals = true }).Kinds.ShouldBe([ForwardingKind.Purchase, ForwardingKind.Renewal], ignoreOrder: true);
    }

    [Test]
    public async Task The_recorded_ad_click_gives_TikTok_its_ttclid_and_the_ttp_cookie()
    {
        var (instance, clicks) = ClickForwarder();
        var redirect = (await clicks.RecordClickAsync(new PaymentLinkClick
        {
            LinkName = "pro",
            Ttclid = "E.C.P.loopback_ttclid",
            Ttp = "2F7h37YkS1j57AYSKTI7IHhJPYH",
            LandingUrl = "https://shop.example/go/pro?ttclid=E.C.P.loopback_ttclid",
            IpAddress = "198.51.100.7",
            UserAgent = "Mozilla/5.0 (clicked)",
        }))!;
        var sessionId = LedgerContract.NewLiveSessionId();
        var reference = System.Web.HttpUtility.ParseQueryString(redirect.Location.Query)["client_reference_id"];
        await instance.Ledger.RecordAsync(LedgerContract.PaidEventWithReference(sessionId, reference));

        await DrainAsync(instance);

        var user = JsonNode.Parse(_answered.ShouldHaveSingleItem().Request.RawBody)!["data"]![0]!["user"]!;
        user["ttclid"]!.GetValue<string>().ShouldBe("E.C.P.loopback_ttclid");
        user["ttp"]!.GetValue<string>().ShouldBe("2F7h37YkS1j57AYSKTI7IHhJPYH");
        user["ip"]!.GetValue<string>().ShouldBe("198.51.100.7");
        user["user_agent"]!.GetValue<string>().ShouldBe("Mozilla/5.0 (clicked)");
    }

    [Test]
    public void TikTok_rule_the_click_gives_ttclid_and_the_ttp_cookie_and_the_email_is_hashed_trimmed_and_lower_cased()
    {
        var conversion = new ConversionEvent
        {
            SessionId = "cs_live_a1",
            TransactionId = "cs_live_a1",
            Kind = ForwardingKind.Purchase,
            OccurredAt = DateTimeOffset.FromUnixTimeSeconds(1_765_000_000),
            Amount = 5000,
            AmountTax = 800,
            Currency = "eur",
            ConsentGranted = true,
            Email = "  Jane.Doe@Example.com ",
            Click = new ConversionClick { Ttclid = "E.C.P.loopback", Ttp = "2F7h37YkS1j57AYSKTI7IHhJPYH", LandingUrl = "https://shop.example/?ttclid=E.C.P.loopback" },
        };

        var tiktokEvent = TikTokDestination.Event(conversion);

        tiktokEvent.User.Ttclid.ShouldBe("E.C.P.loopback");
        tiktokEvent.User.Ttp.ShouldBe("2F7h37YkS1j57AYSKTI7IHhJPYH");
        tiktokEvent.User.Email.ShouldBe(ConversionHashing.Sha256Hex("jane.doe@example.com"));
        tiktokEvent.Page.ShouldNotBeNull().Url.ShouldBe("https://shop.example/?ttclid=E.C.P.loopback");
        tiktokEvent.Properties.Value.ShouldBe(42.00m);
        tiktokEvent.Properties.Currency.ShouldBe("EUR");

        var withoutConsent = TikTokDestination.Event(conversion with { ConsentGranted = false, Email = null });
        withoutConsent.User.Ttclid.ShouldBeNull();
        withoutConsent.User.Ttp.ShouldBeNull();
        new TikTokDestination(new TikTokForwardingOptions()).WithheldBecause(conversion with { ConsentGranted = false, Email = null }).ShouldNotBeNull();
    }

    [Test]
    public void TikToks_settings_are_validated_at_start_without_repeating_the_token()
    {
        var options = new PaymentLinkForwardingOptions();
        options.TikTok.PixelCode = "not a pixel";
        options.TikTok.AccessToken = "short token with spaces";

        var result = new PaymentLinkForwardingOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("PaymentLinkTracking:Forwarding:TikTok:PixelCode");
        result.FailureMessage.ShouldContain("PaymentLinkTracking:Forwarding:TikTok:AccessToken");
        result.FailureMessage.ShouldNotContain("short token with spaces");
    }

    private static readonly ThankYouVisitDetails ConsentingVisit = new()
    {
        UserAgent = "Mozilla/5.0",
        PageUrl = "https://shop.example/thanks",
        ClientIp = "203.0.113.7",
        Consent = VisitConsent.Granted,
    };

    private sealed record Instance(DbPaymentLinkLedger Ledger, ForwardingWorker Worker, IPaymentLinkForwarding Forwarding, IPaymentLinkAttribution Attribution);

    private Instance Forwarder(Action<PaymentLinkForwardingOptions>? tweak = null)
    {
        var services = new ServiceCollection();
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}";
            options.RunFulfillment = false;
        });
        services.AddPaymentLinkForwarding(options =>
        {
            options.TikTok.PixelCode = PixelCode;
            options.TikTok.AccessToken = AccessToken;
            options.TikTok.Endpoint = new Uri(_tiktok.ApiBase);
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
            options.RequestTimeout = TimeSpan.FromSeconds(5);
            tweak?.Invoke(options);
        });
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        provider.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value.ShouldNotBeNull();
        return new Instance(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            provider.GetRequiredService<IPaymentLinkForwarding>(),
            provider.GetRequiredService<IPaymentLinkAttribution>());
    }

    private (Instance Instance, IPaymentLinkClicks Clicks) ClickForwarder()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPaymentLinkTracking(options => options.Links["pro"] = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr");
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}";
            options.RunFulfillment = false;
        });
        services.AddPaymentLinkForwarding(options =>
        {
            options.TikTok.PixelCode = PixelCode;
            options.TikTok.AccessToken = AccessToken;
            options.TikTok.Endpoint = new Uri(_tiktok.ApiBase);
        });
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return (
            new Instance(
                provider.GetRequiredService<DbPaymentLinkLedger>(),
                provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
                provider.GetRequiredService<IPaymentLinkForwarding>(),
                provider.GetRequiredService<IPaymentLinkAttribution>()),
            provider.GetRequiredService<IPaymentLinkClicks>());
    }

    private static async Task<string> PaidWithVisitAsync(Instance instance)
    {
        var sessionId = LedgerContract.NewLiveSessionId();
        await instance.Ledger.RecordAsync(LedgerContract.PaidEvent(sessionId));
        await instance.Attribution.RecordVisitAsync(sessionId, UtmCodes.None, ConsentingVisit);
        return sessionId;
    }

    private static async Task DrainAsync(Instance instance)
    {
        while (await instance.Worker.ForwardRoundAsync(CancellationToken.None))
        {
        }
    }

    private static async Task DrainUntilSentAsync(Instance instance)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await instance.Forwarding.ListAsync()).Any(row => row.State != ForwardingState.Sent))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException("Not sent in time: " + string.Join("; ", (await instance.Forwarding.ListAsync()).Select(row => $"{row.State} {row.LastError}")));
            }

            await DrainAsync(instance);
            await Task.Delay(20);
        }
    }

    private static string? Header(RecordedRequest request, string name) =>
        request.Headers.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
