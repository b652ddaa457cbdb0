using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.DependencyInjection;
using PaymentLinks.Tracking.Tests.StripeApi;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;
using Stripe;

namespace PaymentLinks.Tracking.Tests.CatchUp;

/// <summary>
/// Catch-up from a loopback Events API into a real ledger: each engine's fixture says where a fresh ledger lives and
/// how to run SQL on it.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "Each test's loopback server is disposed in its TearDown.")]
public abstract class LedgerCatchUpContract
{
    private const string ApiKey = "rk_test_51PgcLedgerCatchUp0000000000000000";

    private static readonly DateTimeOffset Now = SignedWebhooks.Now;

    private static readonly string[] Types =
    [
        "checkout.session.completed", "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed", "checkout.session.expired",
    ];

    private readonly List<IAsyncDisposable> _disposables = [];
    private LoopbackEventsApi _api = null!;
    private FakeTimeProvider _clock = null!;

    /// <summary>Registers the engine's ledger on this test's database.</summary>
    protected abstract void AddLedger(IServiceCollection services);

    /// <summary>Runs SQL on this test's database, with the tables' schema as the default one.</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>Makes a fresh database for the test.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>Removes the test's database.</summary>
    protected abstract Task DropDatabaseAsync();

    [SetUp]
    public async Task CreateDatabase()
    {
        _api = new LoopbackEventsApi();
        _clock = new FakeTimeProvider(Now);
        await CreateDatabaseAsync();
    }

    [TearDown]
    public async Task DropDatabase()
    {
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }

        _disposables.Clear();
        await _api.DisposeAsync();
        await DropDatabaseAsync();
    }

    [Test]
    public async Task Records_every_event_across_several_pages_and_moves_the_watermark_to_the_newest()
    {
        var events = AddEvents(250);
        var instance = Instance();

        var result = await instance.CatchUp.RunAsync();

        result.ShouldBe(new PaymentLinkCatchUpResult
        {
            Since = Now - TimeSpan.FromDays(3), Read = 250, Recorded = 250, AlreadyRecorded = 0, Watermark = Created(events[^1]),
        });
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBe(Created(events[^1]));
        foreach (var stripeEvent in events)
        {
            (await instance.Ledger.FindSessionAsync(SessionId(stripeEvent))).ShouldNotBeNull().CompletedAt.ShouldBe(
                (string)stripeEvent["type"]! == "checkout.session.completed" ? Created(stripeEvent) : null);
        }

        _api.Server.Requests.Count.ShouldBe(5, "back through three pages to the oldest, then forward through two");
    }

    [Test]
    public async Task Each_page_Stripe_answers_is_a_span_with_its_count_of_events_and_the_lag_gauge_follows_the_watermark()
    {
        using var telemetry = new Diagnostics.TelemetryRecorder();
        var events = AddEvents(250);
        var instance = Instance();

        await instance.CatchUp.RunAsync();
        telemetry.Observe();

        var pages = telemetry.Activities.Where(span => span.OperationName == "paymentlinks.catch_up.page").ToList();
        pages.Count.ShouldBe(_api.Server.Requests.Count);
        pages.ShouldAllBe(span => span.Kind == System.Diagnostics.ActivityKind.Client && span.GetTagItem("paymentlinks.catch_up.events") is int);
        pages.Sum(span => (int)span.GetTagItem("paymentlinks.catch_up.events")!).ShouldBeGreaterThanOrEqualTo(250);
        var lag = telemetry.Of("paymentlinks.catch_up.lag")[^1];
        lag.Unit.ShouldBe("s");
        lag.Value.ShouldBe((DateTimeOffset.UtcNow - Created(events[^1])).TotalSeconds, tolerance: 60);
    }

    [Test]
    public async Task A_second_run_starts_the_overlap_before_the_watermark_and_records_nothing_twice()
    {
        var events = AddEvents(10);
        var instance = Instance();
        await instance.CatchUp.RunAsync();

        var again = await instance.CatchUp.RunAsync();

        // The ten events span five seconds, all inside the ten minutes read again: all listed, none recorded twice.
        again.ShouldBe(new PaymentLinkCatchUpResult
        {
            Since = Created(events[^1]) - TimeSpan.FromMinutes(10), Read = 10, Recorded = 0, AlreadyRecorded = 10, Watermark = Created(events[^1]),
        });
        _api.Server.Requests[^1].Query["created[gte]"].ShouldBe((Created(events[^1]) - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
    }

    [Test]
    public async Task An_event_created_just_before_the_watermark_but_listed_only_later_is_recorded_by_the_next_run()
    {
        var events = AddEvents(10);
        var instance = Instance();
        await instance.CatchUp.RunAsync();
        var watermark = Created(events[^1]);

        // Created two minutes before the watermark, it became visible in Stripe's list after the first run.
        var late = AddEvents(1, first: 11, created: watermark - TimeSpan.FromMinutes(2));
        var next = await instance.CatchUp.RunAsync();

        (next.Recorded, next.Watermark).ShouldBe((1, watermark));
        (await instance.Ledger.FindSessionAsync(SessionId(late[0]))).ShouldNotBeNull();
    }

    [Test]
    public async Task An_event_that_cannot_be_read_does_not_stop_the_events_after_it_nor_the_watermark()
    {
        var events = AddEvents(250);
        var poisoned = Poisoned("evt_poisoned", Created(events[120]));
        _api.Add(poisoned);
        var instance = Instance();

        var result = await instance.CatchUp.RunAsync();

        (result.Read, result.Recorded).ShouldBe((250, 250));
        result.Watermark.ShouldBe(Created(events[^1]));
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBe(Created(events[^1]));
        foreach (var stripeEvent in events)
        {
            (await instance.Ledger.FindSessionAsync(SessionId(stripeEvent))).ShouldNotBeNull();
        }
    }

    [Test]
    public async Task An_event_that_cannot_be_read_is_kept_as_refused_counted_and_listed_once()
    {
        var events = AddEvents(30);
        _api.Add(Poisoned("evt_poisoned", Created(events[10])));
        var instance = Instance();

        var first = await instance.CatchUp.RunAsync();
        var again = await instance.CatchUp.RunAsync();

        first.Refused.ShouldBe(1);
        again.Refused.ShouldBe(1, "listed again in the overlap, and refused again");
        (await instance.Ledger.CountRefusedCatchUpEventsAsync(CancellationToken.None)).ShouldBe(1);
        var refused = (await instance.Ledger.ListRefusedCatchUpEventsAsync(10, CancellationToken.None)).ShouldHaveSingleItem();
        refused.EventId.ShouldBe("evt_poisoned");
        refused.EventType.ShouldBe("checkout.session.completed");
        refused.Created.ShouldBe(Created(events[10]));
        refused.Reason.ShouldBe(nameof(PaymentLinkWebhookRejection.NotAnEvent));
        refused.Json.ShouldContain("\"evt_poisoned\"");
        refused.RefusedAt.ShouldBe(Now);

        // The admin service (IPaymentLinkAdmin) lists the same, and counts it in the status.
        var admin = instance.Ledger;
        (await admin.ListRefusedCatchUpEventsAsync()).ShouldHaveSingleItem().ShouldBe(refused);
        (await admin.GetStatusAsync()).RefusedCatchUpEvents.ShouldBe(1);
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => admin.ListRefusedCatchUpEventsAsync(0));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => admin.ListRefusedCatchUpEventsAsync(1001));
    }

    [Test]
    public async Task A_listing_that_answers_the_same_page_again_stops_with_a_clear_error_instead_of_asking_forever()
    {
        AddEvents(250);
        _api.IgnoresCursors = true;
        var instance = Instance();

        var stopped = await Should.ThrowAsync<StripeRequestException>(() => instance.CatchUp.RunAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        stopped.Message.ShouldContain("brought no event not listed before");
        _api.Server.Requests.Count.ShouldBe(2);
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBeNull();
    }

    [Test]
    public async Task A_listing_forward_that_answers_the_same_page_again_stops_with_a_clear_error()
    {
        var events = AddEvents(40);
        _api.IgnoresCursors = true;
        var instance = Instance();

        var stopped = await Should.ThrowAsync<StripeRequestException>(() => instance.CatchUp.RunAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        stopped.Message.ShouldContain("ending_before=");
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBe(Created(events[^1]), "what was read stays recorded");
    }

    [Test]
    public async Task A_long_walk_back_renews_the_lease_with_each_page_so_that_no_other_instance_starts_the_same_walk()
    {
        AddEvents(250);
        var lease = TimeSpan.FromSeconds(2);

        // Each page takes 1.2 s: the walk back through three pages outlasts the lease unless each page renews it.
        _api.Override = _ =>
        {
            Thread.Sleep(1200);
            return null;
        };
        var first = Instance(options => options.LeaseDuration = lease);
        var second = Instance(options => options.LeaseDuration = lease);

        var running = Task.Run(() => first.CatchUp.RunAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        var secondRun = await second.CatchUp.RunAsync();
        var ran = await running;

        secondRun.Skipped.ShouldBeTrue();
        (ran.Skipped, ran.Recorded).ShouldBe((false, 250));
    }

    [Test]
    public async Task A_first_run_from_a_since_later_than_the_default_start_leaves_no_watermark_so_the_next_run_reads_what_it_skipped()
    {
        var events = AddEvents(20);
        var instance = Instance();

        var manual = await instance.CatchUp.RunAsync(Created(events[10]));
        var next = await instance.CatchUp.RunAsync();

        manual.Recorded.ShouldBe(10);
        manual.Watermark.ShouldBeNull();
        next.Since.ShouldBe(Now - TimeSpan.FromDays(3));
        (next.Recorded, next.AlreadyRecorded).ShouldBe((10, 10));
        (await instance.Ledger.FindSessionAsync(SessionId(events[0]))).ShouldNotBeNull();
    }

    [Test]
    public async Task An_event_a_webhook_recorded_first_is_counted_as_already_recorded()
    {
        var events = AddEvents(6);
        var instance = Instance();
        var body = SignedWebhooks.Body(events[2]);
        var receipt = await instance.Services.GetRequiredService<PaymentLinkWebhookReceiver>()
            .ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body));
        receipt.Outcome.ShouldBe(PaymentLinkWebhookOutcome.Stored);

        var result = await instance.CatchUp.RunAsync();

        (result.Read, result.Recorded, result.AlreadyRecorded).ShouldBe((6, 5, 1));
    }

    [Test]
    public async Task An_event_of_a_type_the_library_ignores_is_neither_read_nor_recorded()
    {
        _api.FiltersTypes = false;
        AddEvents(4);
        var ignored = SignedWebhooks.Envelope(
            "payment_intent.succeeded", new JsonObject { ["id"] = "pi_1", ["object"] = "payment_intent" }, id: "evt_ignored", created: (Now - TimeSpan.FromMinutes(5)).ToUnixTimeSeconds());
        _api.Add(ignored);
        var instance = Instance();

        var result = await instance.CatchUp.RunAsync();

        (result.Read, result.Recorded).ShouldBe((4, 4));
        var body = SignedWebhooks.Body(ignored);
        (await instance.Ledger.RecordAsync(SignedWebhooks.Parser().Parse(body, SignedWebhooks.Header(body)))).ShouldBe(LedgerRecordOutcome.Stored);
    }

    [Test]
    public async Task A_429_is_retried_by_stripe_net_and_then_everything_is_recorded()
    {
        AddEvents(5);
        _api.Override = number => number == 1
            ? StripeAnswer.Error(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.") with
            {
                Headers = new Dictionary<string, string> { ["Stripe-Should-Retry"] = "true" },
            }
            : null;
        var instance = Instance(maxNetworkRetries: 1);

        var result = await instance.CatchUp.RunAsync();

        (result.Read, result.Recorded).ShouldBe((5, 5));
        _api.Server.Requests[0].Target.ShouldBe(_api.Server.Requests[1].Target);
    }

    [Test]
    public async Task A_401_is_a_clear_error_without_the_key_and_leaves_the_lease_free()
    {
        AddEvents(5);
        _api.Override = number => number == 1 ? StripeAnswer.Error(401, "invalid_request_error", null, "Invalid API Key provided: rk_test_****0000") : null;
        var instance = Instance();

        var refused = await Should.ThrowAsync<StripeRequestException>(() => instance.CatchUp.RunAsync());

        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Message.ShouldStartWith("Stripe did not list the events: Stripe answered 401");
        refused.ToString().ShouldNotContain("rk_test_");
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBeNull();
        (await instance.CatchUp.RunAsync()).Recorded.ShouldBe(5);
    }

    [Test]
    public async Task A_server_that_dies_mid_listing_keeps_what_was_recorded_and_the_next_run_leaves_no_gap()
    {
        var events = AddEvents(250);
        var died = false;

        // Back through three pages to the oldest 50, recorded; the first page forward is cut off.
        _api.Override = number => died || number == 4 ? Die() : null;
        StripeAnswer Die()
        {
            died = true;
            return new StripeAnswer(200, new string(' ', 4096)) { CutAfterBytes = 600 };
        }

        var instance = Instance();

        var stopped = await Should.ThrowAsync<StripeRequestException>(() => instance.CatchUp.RunAsync());

        stopped.Message.ShouldStartWith("Stripe did not list the events: Stripe could not be reached or broke off its answer");
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBe(Created(events[49]));
        (await instance.Ledger.FindSessionAsync(SessionId(events[49]))).ShouldNotBeNull();
        (await instance.Ledger.FindSessionAsync(SessionId(events[50]))).ShouldBeNull();

        died = false;
        _api.Override = null;
        var resumed = await instance.CatchUp.RunAsync();

        resumed.Since.ShouldBe(Created(events[49]) - TimeSpan.FromMinutes(10));
        resumed.Recorded.ShouldBe(200);
        resumed.Watermark.ShouldBe(Created(events[^1]));
        foreach (var stripeEvent in events)
        {
            (await instance.Ledger.FindSessionAsync(SessionId(stripeEvent))).ShouldNotBeNull();
        }
    }

    [Test]
    public async Task Two_runs_at_once_record_each_event_once_while_the_second_skips()
    {
        AddEvents(120);
        using var listing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        _api.Override = number =>
        {
            if (number == 1)
            {
                listing.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };
        var first = Instance();
        var second = Instance();

        var running = Task.Run(() => first.CatchUp.RunAsync());
        listing.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        var skipped = await second.CatchUp.RunAsync();
        release.Set();
        var ran = await running;

        skipped.Skipped.ShouldBeTrue();
        (skipped.Read, skipped.Recorded).ShouldBe((0, 0));
        ran.Skipped.ShouldBeFalse();
        (ran.Read, ran.Recorded, ran.AlreadyRecorded).ShouldBe((120, 120, 0));
        (await second.CatchUp.RunAsync()).Skipped.ShouldBeFalse("the lease is given back when a run ends");
    }

    [Test]
    public async Task An_instance_whose_clock_is_ten_minutes_ahead_does_not_take_the_lease_of_a_run_in_progress()
    {
        AddEvents(120);
        using var listing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        _api.Override = number =>
        {
            if (number == 1)
            {
                listing.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };
        var first = Instance();
        var ahead = new FakeTimeProvider(Now + TimeSpan.FromMinutes(10));
        var second = Instance(clock: ahead);

        var running = Task.Run(() => first.CatchUp.RunAsync());
        listing.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        var skipped = await second.CatchUp.RunAsync();
        release.Set();
        var ran = await running;

        skipped.Skipped.ShouldBeTrue("the five-minute lease runs on the database's clock, not on the instances' own");
        (ran.Read, ran.Recorded).ShouldBe((120, 120));
    }

    [Test]
    public async Task A_dead_instances_lease_runs_out_and_another_instance_catches_up()
    {
        AddEvents(3);
        var lease = TimeSpan.FromSeconds(3);
        var instance = Instance(options => options.LeaseDuration = lease);
        (await instance.Ledger.TakeCatchUpLeaseAsync("dead-instance", lease, CancellationToken.None)).Taken.ShouldBeTrue();

        (await instance.CatchUp.RunAsync()).Skipped.ShouldBeTrue();
        _api.Server.Requests.ShouldBeEmpty();

        // The lease runs out on the database's clock: real time passes, not the application's clock.
        await Task.Delay(lease + TimeSpan.FromMilliseconds(300));
        var result = await instance.CatchUp.RunAsync();

        (result.Skipped, result.Recorded).ShouldBe((false, 3));
    }

    [Test]
    public async Task A_run_whose_lease_another_instance_took_over_stops_at_the_next_page_before_recording()
    {
        var events = AddEvents(3);
        _api.Override = number =>
        {
            if (number == 1)
            {
                // The run stalled past its lease and another instance took it.
                ExecuteAsync("UPDATE payment_link_catch_up SET lease_owner = 'other-instance'").GetAwaiter().GetResult();
            }

            return null;
        };
        var instance = Instance();

        var stopped = await Should.ThrowAsync<InvalidOperationException>(() => instance.CatchUp.RunAsync());

        // The lease is renewed as the page arrives: the run finds it gone and records nothing of that page.
        stopped.Message.ShouldContain("another instance took it over");
        (await instance.Ledger.FindSessionAsync(SessionId(events[0]))).ShouldBeNull();
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBeNull();
    }

    [Test]
    public async Task A_since_older_than_stripes_30_days_is_an_error_that_says_so_before_any_request()
    {
        var instance = Instance();

        var error = await Should.ThrowAsync<ArgumentOutOfRangeException>(() => instance.CatchUp.RunAsync(Now - TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1)));

        error.Message.ShouldContain("Stripe keeps events for 30 days");
        _api.Server.Requests.ShouldBeEmpty();
        (await instance.CatchUp.RunAsync(Now - TimeSpan.FromDays(30))).Skipped.ShouldBeFalse();
    }

    [Test]
    public async Task A_watermark_older_than_30_days_resumes_at_the_earliest_point_stripe_still_lists()
    {
        var events = AddEvents(2);
        var instance = Instance();
        await instance.CatchUp.RunAsync();
        _clock.Advance(TimeSpan.FromDays(40));

        var result = await instance.CatchUp.RunAsync();

        result.Since.ShouldBe(_clock.GetUtcNow() - TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
        result.Read.ShouldBe(0);
        result.Watermark.ShouldBe(Created(events[^1]));
    }

    [Test]
    public async Task A_run_from_after_the_watermark_leaves_the_watermark_where_it_was()
    {
        var events = AddEvents(20);
        var instance = Instance();
        await instance.CatchUp.RunAsync();
        var watermark = Created(events[^1]);
        var later = AddEvents(4, first: 21, created: watermark + TimeSpan.FromHours(2));

        var result = await instance.CatchUp.RunAsync(Created(later[2]));

        (result.Read, result.Recorded).ShouldBe((2, 2));
        result.Watermark.ShouldBe(watermark);
        (await instance.Ledger.ReadCatchUpWatermarkAsync(CancellationToken.None)).ShouldBe(watermark);
    }

    [Test]
    public async Task In_the_background_it_runs_at_start_up_and_then_on_the_interval_logging_its_counts()
    {
        AddEvents(3);
        using var logs = new CapturedLogs();
        using var host = TrackingHost.Build(
            services =>
            {
                foreach (var service in Services(options =>
                {
                    options.RunInBackground = true;
                    options.Interval = TimeSpan.FromMinutes(10);
                }))
                {
                    services.Add(service);
                }
            },
            logs);
        var ledger = host.Services.GetRequiredService<DbPaymentLinkLedger>();

        await host.StartAsync();
        await WaitUntil(() => Task.FromResult(logs.Entries.Any(entry => entry.EventId.Name == "PaymentLinkCatchUpCompleted")));
        var later = AddEvents(1, first: 4, created: Now + TimeSpan.FromMinutes(1));
        (await ledger.FindSessionAsync(SessionId(later[0]))).ShouldBeNull();

        // The interval passes; until the worker has started waiting on the clock, passing it again does no harm.
        await WaitUntil(async () =>
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
            return await ledger.FindSessionAsync(SessionId(later[0])) is not null;
        });
        await host.StopAsync();

        var completed = logs.Entries.Where(entry => entry.EventId.Name == "PaymentLinkCatchUpCompleted").ToList();
        completed[0].Level.ShouldBe(LogLevel.Information);
        completed[0].Values["Read"].ShouldBe(3);
        completed[0].Values["Recorded"].ShouldBe(3);
        logs.Entries.ShouldAllBe(entry => !entry.AllText.Contains(ApiKey) && !entry.AllText.Contains(SignedWebhooks.CustomerEmail));
    }

    [Test]
    public async Task A_schema_script_with_a_lower_number_is_applied_after_a_higher_one()
    {
        var ledger = Instance().Ledger;
        await ledger.EnsureSchemaAsync(CancellationToken.None);

        // As when a later release adds a script numbered below one already applied.
        await ExecuteAsync("DROP TABLE payment_link_catch_up; DELETE FROM payment_link_schema_versions WHERE version = 3");
        AddEvents(2);
        var result = await Instance().CatchUp.RunAsync();

        result.Recorded.ShouldBe(2);
    }

    /// <summary>Events <paramref name="first"/> on, two to a second (so that pairs share one), the newest an hour ago.</summary>
    private List<JsonObject> AddEvents(int count, int first = 1, DateTimeOffset? created = null)
    {
        var newest = created ?? Now - TimeSpan.FromHours(1);
        var events = new List<JsonObject>();
        for (var number = first; number < first + count; number++)
        {
            var session = SignedWebhooks.CompletedSession();
            session["id"] = string.Create(CultureInfo.InvariantCulture, $"cs_test_{number:D6}");
            var stripeEvent = SignedWebhooks.Envelope(
                Types[number % Types.Length],
                session,
                id: string.Create(CultureInfo.InvariantCulture, $"evt_{number:D6}"),
                created: newest.ToUnixTimeSeconds() - ((first + count - 1 - number) / 2));
            _api.Add(stripeEvent);
            events.Add(stripeEvent);
        }

        return events;
    }

    /// <summary>An event Stripe lists that cannot be read as one: a checkout.session.completed without its livemode.</summary>
    private static JsonObject Poisoned(string id, DateTimeOffset created)
    {
        var poisoned = SignedWebhooks.Envelope("checkout.session.completed", SignedWebhooks.CompletedSession(), id: id, created: created.ToUnixTimeSeconds());
        poisoned.Remove("livemode");
        return poisoned;
    }

    private static DateTimeOffset Created(JsonObject stripeEvent) => DateTimeOffset.FromUnixTimeSeconds((long)stripeEvent["created"]!);

    private static string SessionId(JsonObject stripeEvent) => (string)stripeEvent["data"]!["object"]!["id"]!;

    private ServiceCollection Services(Action<PaymentLinkCatchUpOptions>? configure = null, int maxNetworkRetries = 0, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(clock ?? _clock);
        services.AddSingleton<IStripeClient>(_api.Server.CreateClient(ApiKey, maxNetworkRetries));
        services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret))
            .AddPaymentLinkCatchUp(configure ?? (_ => { }));
        AddLedger(services);
        return services;
    }

    private CatchUpInstance Instance(Action<PaymentLinkCatchUpOptions>? configure = null, int maxNetworkRetries = 0, TimeProvider? clock = null)
    {
        var provider = Services(configure, maxNetworkRetries, clock).BuildServiceProvider();
        _disposables.Add(provider);
        return new CatchUpInstance(provider, provider.GetRequiredService<IPaymentLinkLedgerCatchUp>(), provider.GetRequiredService<DbPaymentLinkLedger>());
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException("The background catch-up did not record the events within 30 seconds.");
            }

            await Task.Delay(50);
        }
    }

    private sealed record CatchUpInstance(IServiceProvider Services, IPaymentLinkLedgerCatchUp CatchUp, DbPaymentLinkLedger Ledger);
}
