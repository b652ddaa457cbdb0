using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.DependencyInjection;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// What every ledger engine must do, run against a real database: each engine's fixture says where a fresh ledger lives
/// and how to make its store unavailable.
/// </summary>
public abstract partial class LedgerContract
{
    private readonly List<ServiceProvider> _instances = [];

    /// <summary>Registers the engine's ledger on this test's database, with the options tweaked.</summary>
    protected abstract void AddLedger(IServiceCollection services, Action<PaymentLinkLedgerOptions> tweak);

    /// <summary>Makes this test's database refuse or fail every write until the returned value is disposed.</summary>
    protected abstract Task<IAsyncDisposable> MakeUnavailableAsync();

    /// <summary>The environment that points the harness program at this test's database.</summary>
    protected abstract Dictionary<string, string> HarnessEnvironment();

    /// <summary>Runs <paramref name="sql"/> on this test's database (tables unqualified) and returns the first value.</summary>
    protected abstract Task<object?> ScalarAsync(string sql);

    /// <summary>A query whose first value is the definition of the index named <paramref name="index"/>, with its columns.</summary>
    protected abstract string IndexDefinitionSql(string index);

    /// <summary>Makes a fresh database for the test.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>Removes the test's database.</summary>
    protected abstract Task DropDatabaseAsync();

    /// <summary>Every place (<c>table.column</c>) in this test's database whose text contains <paramref name="needle"/>, ignoring case.</summary>
    protected abstract Task<IReadOnlyList<string>> PlacesContainingAsync(string needle);

    [SetUp]
    public Task CreateDatabase() => CreateDatabaseAsync();

    [TearDown]
    public async Task DropDatabase()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        _instances.Clear();
        await DropDatabaseAsync();
    }

    [Test]
    public async Task A_new_event_is_stored_with_its_session_and_every_field()
    {
        var ledger = Instance().Ledger;
        var session = CheckoutEvents.ForNewSession();
        var completed = session.Completed();

        (await ledger.RecordAsync(completed)).ShouldBe(LedgerRecordOutcome.Stored);

        var row = (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.SessionId.ShouldBe(session.SessionId);
        row.PaymentLinkId.ShouldBe(SignedWebhooks.PaymentLinkId);
        row.ClientReferenceId.ShouldBe(SignedWebhooks.ClientReferenceId);
        row.CustomerEmail.ShouldBe(SignedWebhooks.CustomerEmail);
        row.AmountTotal.ShouldBe(4200);
        row.Currency.ShouldBe("usd");
        row.Mode.ShouldBe(completed.Checkout!.Mode);
        row.Status.ShouldBe("complete");
        row.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        row.Livemode.ShouldBeFalse();
        row.Metadata.ShouldBe(new Dictionary<string, string> { ["utm_campaign"] = "spring_sale", ["plan"] = "pro" }, ignoreOrder: true);
        row.CompletedAt.ShouldBe(completed.Created);
        row.PaidAt.ShouldBe(completed.Created);
        row.FailedAt.ShouldBeNull();
        row.ExpiredAt.ShouldBeNull();
        row.FulfilledAt.ShouldBeNull();
        row.FulfillmentAttempts.ShouldBe(0);
    }

    [Test]
    public async Task A_redelivered_event_is_a_duplicate_and_changes_nothing()
    {
        var ledger = Instance().Ledger;
        var session = CheckoutEvents.ForNewSession();
        var completed = session.Completed("unpaid");
        await ledger.RecordAsync(completed);
        var before = Snapshot(await ledger.FindSessionAsync(session.SessionId));

        (await ledger.RecordAsync(completed)).ShouldBe(LedgerRecordOutcome.Duplicate);

        Snapshot(await ledger.FindSessionAsync(session.SessionId)).ShouldBe(before);
    }

    [Test]
    public async Task An_event_of_another_type_is_recorded_once_without_a_session()
    {
        var ledger = Instance().Ledger;
        var ignored = CheckoutEvents.Ignored();

        (await ledger.RecordAsync(ignored)).ShouldBe(LedgerRecordOutcome.Stored);
        (await ledger.RecordAsync(ignored)).ShouldBe(LedgerRecordOutcome.Duplicate);
    }

    [Test]
    public async Task An_unknown_session_is_not_found()
    {
        (await Instance().Ledger.FindSessionAsync("cs_test_never_seen")).ShouldBeNull();
    }

    // Each scenario's events with a redelivery of each, in every order: the final row is the same, and only moves forward.
    [TestCase("succeeded")]
    [TestCase("failed")]
    [TestCase("expired")]
    public async Task Every_order_of_a_sessions_events_ends_in_the_same_state(string scenario)
    {
        var ledger = Instance().Ledger;
        var completedAt = SignedWebhooks.NowSeconds - 600;
        var laterAt = SignedWebhooks.NowSeconds - 60;
        var states = new HashSet<string>();
        foreach (var order in Permutations([0, 1, 2, 3]))
        {
            var session = CheckoutEvents.ForNewSession();
            PaymentLinkEvent[] events = scenario switch
            {
                "succeeded" => [session.Completed("unpaid", completedAt), session.AsyncPaymentSucceeded(laterAt)],
                "failed" => [session.Completed("unpaid", completedAt), session.AsyncPaymentFailed(laterAt)],
                _ => [session.Completed("unpaid", completedAt), session.Expired(laterAt)],
            };
            var outcomes = new List<LedgerRecordOutcome>();
            foreach (var index in order)
            {
                outcomes.Add(await ledger.RecordAsync(events[index % 2]));
            }

            outcomes.Count(outcome => outcome == LedgerRecordOutcome.Stored).ShouldBe(2);
            var row = (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
            row.CompletedAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(completedAt));
            switch (scenario)
            {
                case "succeeded":
                    row.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
                    row.PaidAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(laterAt));
                    row.Status.ShouldBe("complete");
                    break;
                case "failed":
                    row.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Unpaid);
                    row.FailedAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(laterAt));
                    row.PaidAt.ShouldBeNull();
                    break;
                default:
                    row.ExpiredAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(laterAt));
                    row.PaidAt.ShouldBeNull();
                    break;
            }

            states.Add(Snapshot(row).Replace(session.SessionId, "cs", StringComparison.Ordinal));
        }

        states.Count.ShouldBe(1, string.Join("\n", states));
    }

    [Test]
    public async Task A_session_paid_by_a_delayed_payment_before_its_completed_event_is_fulfilled_once()
    {
        var instance = Instance();
        var session = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(session.AsyncPaymentSucceeded());
        await instance.Ledger.RecordAsync(session.Completed("unpaid"));

        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();

        instance.Handler.Calls.ShouldBe([session.SessionId]);
        var row = (await instance.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        row.FulfilledAt.ShouldNotBeNull();
        row.FulfillmentAttempts.ShouldBe(1);
    }

    [Test]
    public async Task Sessions_that_are_not_paid_are_never_fulfilled()
    {
        var instance = Instance();
        await instance.Ledger.RecordAsync(CheckoutEvents.ForNewSession().Completed("unpaid"));
        var failed = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(failed.Completed("unpaid"));
        await instance.Ledger.RecordAsync(failed.AsyncPaymentFailed());
        await instance.Ledger.RecordAsync(CheckoutEvents.ForNewSession().Expired());

        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
        instance.Handler.Calls.ShouldBeEmpty();
    }

    [Test]
    public async Task Sixteen_writers_in_one_process_store_each_event_once()
    {
        var ledger = Instance().Ledger;
        var sessions = Enumerable.Range(0, 20).Select(_ => CheckoutEvents.ForNewSession()).ToList();
        var events = sessions.SelectMany(session => new[] { session.Completed("unpaid"), session.AsyncPaymentSucceeded() }).ToList();
        var stored = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
        {
            foreach (var paymentLinkEvent in events.OrderBy(_ => Random.Shared.Next()))
            {
                if (await ledger.RecordAsync(paymentLinkEvent) == LedgerRecordOutcome.Stored)
                {
                    stored.Add(paymentLinkEvent.EventId);
                }
            }
        })));

        stored.Order().ShouldBe(events.Select(paymentLinkEvent => paymentLinkEvent.EventId).Order());
        foreach (var session in sessions)
        {
            (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        }
    }

    [Test]
    public async Task A_failing_handler_is_retried_until_it_succeeds_and_then_never_called_again()
    {
        var instance = Instance(options => options.RetryDelay = TimeSpan.Zero);
        instance.Handler.FailuresBeforeSuccess = 2;
        var session = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(session.Completed());

        for (var i = 0; i < 5; i++)
        {
            await instance.Worker.FulfillNextAsync(CancellationToken.None);
        }

        instance.Handler.Calls.ShouldBe([session.SessionId, session.SessionId, session.SessionId]);
        var row = (await instance.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.FulfilledAt.ShouldNotBeNull();
        row.FulfillmentAttempts.ShouldBe(3);
        row.LastFulfillmentError.ShouldBeNull();
    }

    [Test]
    public async Task A_failed_try_waits_for_its_backoff()
    {
        var instance = Instance(options => options.RetryDelay = TimeSpan.FromHours(1));
        instance.Handler.FailuresBeforeSuccess = 1;
        var session = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(session.Completed());

        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();

        instance.Handler.Calls.Count.ShouldBe(1);
        (await instance.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().LastFulfillmentError
            .ShouldBe("System.InvalidOperationException: The warehouse is closed (try 1).");
    }

    [Test]
    public async Task A_handler_that_keeps_failing_is_parked_with_the_exceptions_type_and_message()
    {
        var instance = Instance(options =>
        {
            options.RetryDelay = TimeSpan.Zero;
            options.MaxAttempts = 3;
        });
        instance.Handler.FailuresBeforeSuccess = int.MaxValue;
        var session = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(session.Completed());

        for (var i = 0; i < 6; i++)
        {
            await instance.Worker.FulfillNextAsync(CancellationToken.None);
        }

        instance.Handler.Calls.Count.ShouldBe(3);
        var row = (await instance.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.ParkedAt.ShouldNotBeNull();
        row.FulfilledAt.ShouldBeNull();
        row.LastFulfillmentError.ShouldBe("System.InvalidOperationException: The warehouse is closed (try 3).");

        // A later event for the parked session does not make it due again.
        await instance.Ledger.RecordAsync(session.AsyncPaymentSucceeded());
        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
    }

    [Test]
    public async Task Two_instances_fulfil_each_session_once_and_never_at_the_same_time()
    {
        var first = Instance();
        var second = Instance();
        var handler = new RecordingHandler { Delay = TimeSpan.FromMilliseconds(20) };
        first.Handler.SharedWith = handler;
        second.Handler.SharedWith = handler;
        var sessions = Enumerable.Range(0, 12).Select(_ => CheckoutEvents.ForNewSession()).ToList();
        foreach (var session in sessions)
        {
            await first.Ledger.RecordAsync(session.Completed());
        }

        await Task.WhenAll(DrainAsync(first.Worker), DrainAsync(second.Worker));

        handler.Calls.Order().ShouldBe(sessions.Select(session => session.SessionId).Order());
        handler.Overlaps.ShouldBe(0);
    }

    [Test]
    public async Task Two_instances_whose_clocks_are_ten_minutes_apart_never_hold_the_same_session()
    {
        var onTime = Instance(clock: new ShiftedClock(TimeSpan.Zero));
        var ahead = Instance(clock: new ShiftedClock(TimeSpan.FromMinutes(10)));
        onTime.Handler.IgnoreCancellationFor = TimeSpan.FromSeconds(1.5);
        var handler = new RecordingHandler();
        ahead.Handler.SharedWith = handler;
        var session = CheckoutEvents.ForNewSession();
        await onTime.Ledger.RecordAsync(session.Completed());

        var running = onTime.Worker.FulfillNextAsync(CancellationToken.None);
        await onTime.Handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The lease is five minutes on the database's clock: ten minutes on this instance's clock do not end it.
        (await ahead.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
        (await running).ShouldBeTrue();

        handler.Calls.ShouldBeEmpty();
        (await onTime.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().FulfilledAt.ShouldNotBeNull();
    }

    [Test]
    public async Task A_session_recorded_by_an_instance_whose_clock_is_ten_minutes_ahead_is_due_at_once_for_the_others()
    {
        var ahead = Instance(clock: new ShiftedClock(TimeSpan.FromMinutes(10)));
        var onTime = Instance(clock: new ShiftedClock(TimeSpan.Zero));
        var behind = Instance(options => options.RetryDelay = TimeSpan.Zero, new ShiftedClock(TimeSpan.FromMinutes(-10)));
        behind.Handler.FailuresBeforeSuccess = 1;
        var session = CheckoutEvents.ForNewSession();

        await ahead.Ledger.RecordAsync(session.Completed());

        // Due now on the database's clock, and a retry with no delay is due now too, whichever instance looks.
        (await behind.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
        (await onTime.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
        behind.Handler.Calls.ShouldBe([session.SessionId]);
        onTime.Handler.Calls.ShouldBe([session.SessionId]);
        (await onTime.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().FulfilledAt.ShouldNotBeNull();
    }

    [Test]
    public async Task A_handler_that_outlives_its_lease_loses_the_session_to_another_instance_and_its_late_success_is_refused()
    {
        var lease = TimeSpan.FromSeconds(1);
        var hung = Instance(options => options.LeaseDuration = lease);
        var other = Instance(options => options.LeaseDuration = lease);
        hung.Handler.IgnoreCancellationFor = TimeSpan.FromSeconds(2.5);
        var session = CheckoutEvents.ForNewSession();
        await hung.Ledger.RecordAsync(session.Completed());

        var hungCall = hung.Worker.FulfillNextAsync(CancellationToken.None);
        await hung.Handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        (await other.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
        await Task.Delay(lease + TimeSpan.FromMilliseconds(300));
        (await other.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
        await hungCall;

        other.Handler.Calls.ShouldBe([session.SessionId]);
        hung.Handler.Calls.ShouldBe([session.SessionId]);
        hung.Handler.SawCancellation.ShouldBeTrue();
        var row = (await other.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.FulfilledAt.ShouldNotBeNull();
        row.FulfillmentAttempts.ShouldBe(2);
        (await hung.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
    }

    [Test]
    public async Task A_session_whose_lease_runs_out_on_every_try_is_parked()
    {
        var lease = TimeSpan.FromSeconds(1);
        var instance = Instance(options =>
        {
            options.LeaseDuration = lease;
            options.MaxAttempts = 1;
        });
        var session = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(session.Completed());

        // A try that never reports: its owner is gone.
        (await instance.Ledger.ClaimAsync("a-process-that-died", lease, CancellationToken.None)).ShouldNotBeNull();
        await Task.Delay(lease + TimeSpan.FromMilliseconds(200));
        (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();

        instance.Handler.Calls.ShouldBeEmpty();
        var row = (await instance.Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.ParkedAt.ShouldNotBeNull();
        row.LastFulfillmentError.ShouldNotBeNull().ShouldContain("lease ran out 1 times");
    }

    [Test]
    public async Task The_hosted_worker_fulfils_a_session_recorded_through_the_receiver()
    {
        var handler = new RecordingHandler();
        using var host = TrackingHost.Build(services =>
        {
            services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret));
            AddLedger(services, options => options.PollInterval = TimeSpan.FromMilliseconds(200));
            services.AddSingleton<IPaymentLinkFulfillmentHandler>(handler);
        });
        await host.StartAsync();
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var body = SignedWebhooks.CompletedEventBody();

        var receipt = await receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var again = await receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        receipt.Outcome.ShouldBe(PaymentLinkWebhookOutcome.Stored);
        again.Outcome.ShouldBe(PaymentLinkWebhookOutcome.Duplicate);
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync();
        handler.Calls.ShouldBe([receipt.Event!.Checkout!.SessionId]);
    }

    [Test]
    public async Task A_host_that_stops_mid_handler_gives_the_session_back_without_counting_the_try()
    {
        var handler = new RecordingHandler { Delay = Timeout.InfiniteTimeSpan };
        using var host = TrackingHost.Build(services =>
        {
            AddLedger(services, _ => { });
            services.AddSingleton<IPaymentLinkFulfillmentHandler>(handler);
        });
        var session = CheckoutEvents.ForNewSession();
        await host.StartAsync();
        var ledger = host.Services.GetRequiredService<IPaymentLinkLedger>();
        await ledger.RecordAsync(session.Completed());
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await host.StopAsync();

        var row = (await Instance().Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.FulfillmentAttempts.ShouldBe(0);
        row.FulfilledAt.ShouldBeNull();
        (await Instance().Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
    }

    [Test]
    public async Task A_handler_that_returns_while_the_host_stops_is_recorded_and_never_run_again()
    {
        var handler = new RecordingHandler { IgnoreCancellationFor = TimeSpan.FromSeconds(1) };
        using var host = TrackingHost.Build(services =>
        {
            AddLedger(services, _ => { });
            services.AddSingleton<IPaymentLinkFulfillmentHandler>(handler);
        });
        var session = CheckoutEvents.ForNewSession();
        await host.StartAsync();
        await host.Services.GetRequiredService<IPaymentLinkLedger>().RecordAsync(session.Completed());
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await host.StopAsync();

        handler.SawCancellation.ShouldBeTrue();
        var row = (await Instance().Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.FulfilledAt.ShouldNotBeNull();
        row.FulfillmentAttempts.ShouldBe(1);
        (await Instance().Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
    }

    [Test]
    public async Task Failed_tries_wait_a_random_part_of_the_doubled_delay_so_that_they_are_not_retried_together()
    {
        var instance = Instance(options => options.RetryDelay = TimeSpan.FromHours(1));
        instance.Handler.FailuresBeforeSuccess = int.MaxValue;
        var sessions = Enumerable.Range(0, 20).Select(_ => CheckoutEvents.ForNewSession()).ToList();
        foreach (var session in sessions)
        {
            await instance.Ledger.RecordAsync(session.Completed());
        }

        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < sessions.Count; i++)
        {
            (await instance.Worker.FulfillNextAsync(CancellationToken.None)).ShouldBeTrue();
        }

        var after = DateTimeOffset.UtcNow;
        instance.Handler.Calls.Distinct().Count().ShouldBe(sessions.Count);
        var earliest = StoredTime(await ScalarAsync("SELECT MIN(fulfill_due_at) FROM payment_link_sessions"));
        var latest = StoredTime(await ScalarAsync("SELECT MAX(fulfill_due_at) FROM payment_link_sessions"));
        earliest.ShouldBeGreaterThanOrEqualTo(before.AddSeconds(-1));
        latest.ShouldBeLessThanOrEqualTo(after.AddHours(1).AddSeconds(1));
        (latest - earliest).ShouldBeGreaterThan(TimeSpan.FromMinutes(20), "twenty waits drawn between zero and an hour spread out");
    }

    /// <summary>A time as <see cref="ScalarAsync"/> returns it: Unix milliseconds on SQLite, a timestamp on PostgreSQL.</summary>
    protected static DateTimeOffset StoredTime(object? value) => value switch
    {
        long milliseconds => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        _ => throw new AssertionException($"Not a stored time: {value ?? "null"}."),
    };

    [Test]
    public async Task An_instance_with_fulfilment_turned_off_records_but_never_calls_the_handler()
    {
        var handler = new RecordingHandler();
        using var host = TrackingHost.Build(services =>
        {
            AddLedger(services, options =>
            {
                options.RunFulfillment = false;
                options.PollInterval = TimeSpan.FromMilliseconds(50);
            });
            services.AddSingleton<IPaymentLinkFulfillmentHandler>(handler);
        });
        await host.StartAsync();
        var session = CheckoutEvents.ForNewSession();

        (await host.Services.GetRequiredService<IPaymentLinkLedger>().RecordAsync(session.Completed())).ShouldBe(LedgerRecordOutcome.Stored);
        await Task.Delay(500);
        await host.StopAsync();

        handler.Calls.ShouldBeEmpty();
        (await Instance().Ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().FulfilledAt.ShouldBeNull();
    }

    [Test]
    public async Task A_store_that_is_down_gives_unavailable_and_once_back_the_retry_is_stored_once()
    {
        var logs = new CapturedLogs();
        using var host = TrackingHost.Build(
            services =>
            {
                services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret));
                AddLedger(services, _ => { });
            },
            logs);
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var body = SignedWebhooks.CompletedEventBody();
        await host.Services.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync("cs_test_schema_applied");

        PaymentLinkWebhookReceipt down;
        await using (await MakeUnavailableAsync())
        {
            down = await receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        }

        var retried = await receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var again = await receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        down.Outcome.ShouldBe(PaymentLinkWebhookOutcome.StoreUnavailable);
        down.IsStored.ShouldBeFalse();
        retried.Outcome.ShouldBe(PaymentLinkWebhookOutcome.Stored);
        again.Outcome.ShouldBe(PaymentLinkWebhookOutcome.Duplicate);
        var error = logs.Entries.Single(entry => entry.EventId.Name == "PaymentLinkWebhookStoreUnavailable");
        error.Message.ShouldContain(SignedWebhooks.EventId);
        logs.Entries.ShouldAllBe(entry => !entry.AllText.Contains(PostgreSqlServer.Password) && !entry.AllText.Contains(SignedWebhooks.CustomerEmail));
    }

    [Test]
    public async Task Several_instances_applying_the_schema_at_once_all_succeed()
    {
        var instances = Enumerable.Range(0, 4).Select(_ => Instance()).ToList();

        await Task.WhenAll(instances.Select(instance => instance.Ledger.EnsureSchemaAsync(CancellationToken.None)));

        (await instances[3].Ledger.RecordAsync(CheckoutEvents.ForNewSession().Completed())).ShouldBe(LedgerRecordOutcome.Stored);
    }

    [Test]
    public async Task Two_processes_receiving_the_same_events_store_each_once()
    {
        var sessions = Enumerable.Range(0, 30).Select(_ => CheckoutEvents.ForNewSession()).ToList();
        var bodies = sessions.SelectMany(session => new[]
        {
            session.Body("checkout.session.completed", "complete", "unpaid"),
            session.Body("checkout.session.async_payment_succeeded", "complete", "paid"),
        }).ToList();
        await Instance().Ledger.EnsureSchemaAsync(CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("paymentlinks-harness-").FullName;

        var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(async run =>
        {
            var file = Path.Combine(folder, $"events-{run}.txt");
            await File.WriteAllLinesAsync(file, bodies.OrderBy(_ => Random.Shared.Next()).Select(Convert.ToBase64String));
            using var process = StartHarness(["record", file], HarnessEnvironment());
            (await process.WaitForExitAsync(TimeSpan.FromSeconds(120))).ShouldBe(0, process.Error);
            return process.Output.Trim();
        }));

        var counts = runs.Select(line => line.Split(' ')).Select(words => (Stored: int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture), Duplicate: int.Parse(words[3], System.Globalization.CultureInfo.InvariantCulture), Unavailable: int.Parse(words[5], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        counts.Sum(count => count.Stored).ShouldBe(bodies.Count, string.Join("\n", runs));
        counts.Sum(count => count.Duplicate).ShouldBe(bodies.Count);
        counts.Sum(count => count.Unavailable).ShouldBe(0);
        var ledger = Instance().Ledger;
        foreach (var session in sessions)
        {
            (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        }

        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public async Task A_process_killed_mid_handler_loses_its_lease_and_the_restarted_process_fulfils_the_session_once()
    {
        var ledger = Instance().Ledger;
        var session = CheckoutEvents.ForNewSession();
        await ledger.RecordAsync(session.Completed());
        var folder = Directory.CreateTempSubdirectory("paymentlinks-harness-").FullName;

        using (var crashing = StartHarness(["fulfil", folder], new(HarnessEnvironment()) { ["LEDGER_HANDLER_HANGS"] = "1" }))
        {
            await WaitForFile(folder, "*.started", crashing);
            crashing.Kill();
        }

        (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull().FulfilledAt.ShouldBeNull();
        using (var restarted = StartHarness(["fulfil", folder], HarnessEnvironment()))
        {
            await WaitForFile(folder, "*.done", restarted);
        }

        Directory.GetFiles(folder, "*.started").Length.ShouldBe(2);
        Directory.GetFiles(folder, "*.done").Length.ShouldBe(1);
        var row = (await ledger.FindSessionAsync(session.SessionId)).ShouldNotBeNull();
        row.FulfillmentAttempts.ShouldBe(2);
        Directory.Delete(folder, recursive: true);
    }

    private static Samples.SampleProcess StartHarness(string[] arguments, Dictionary<string, string> environment)
    {
        var program = typeof(LedgerContract).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(attribute => attribute.Key == "LedgerHarnessProgram").Value!;
        environment["LEDGER_SECRET"] = SignedWebhooks.Secret;
        return Samples.SampleProcess.StartProgram(program, arguments, environment);
    }

    private static async Task WaitForFile(string folder, string pattern, Samples.SampleProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Directory.GetFiles(folder, pattern).Length == 0)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new AssertionException($"No {pattern} file appeared.\n{process.Output}\n{process.Error}");
            }

            await Task.Delay(50);
        }
    }

    internal LedgerInstance Instance(Action<PaymentLinkLedgerOptions>? tweak = null, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        var handler = new RecordingHandler();
        services.AddSingleton<IPaymentLinkFulfillmentHandler>(handler);
        AddLedger(services, tweak ?? (_ => { }));
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return new LedgerInstance(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<FulfillmentWorker>().Single(),
            handler);
    }

    private static async Task DrainAsync(FulfillmentWorker worker)
    {
        // Until no session is due; a session the other instance holds is not due for this one.
        while (await worker.FulfillNextAsync(CancellationToken.None))
        {
        }
    }

    private static string Snapshot(PaymentLinkSession? session) =>
        session is null
            ? "(none)"
            : string.Join(
                "|",
                session.SessionId, session.PaymentLinkId, session.ClientReferenceId, session.CustomerEmail, session.AmountTotal,
                session.Currency, session.Mode, session.Status, session.PaymentStatus, session.Livemode,
                string.Join(",", session.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal)),
                session.CompletedAt, session.PaidAt, session.FailedAt, session.ExpiredAt, session.FulfilledAt, session.ParkedAt,
                session.FulfillmentAttempts, session.LastFulfillmentError);

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (var i = 0; i < items.Length; i++)
        {
            foreach (var rest in Permutations([.. items[..i], .. items[(i + 1)..]]))
            {
                yield return [items[i], .. rest];
            }
        }
    }

    internal sealed record LedgerInstance(DbPaymentLinkLedger Ledger, FulfillmentWorker Worker, RecordingHandler Handler);
}

/// <summary>The system clock shifted by a fixed offset, as on a machine whose clock is wrong.</summary>
internal sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}

/// <summary>The system's clock, moved on by <see cref="Offset"/> when a test says so.</summary>
internal sealed class MovableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>A fulfilment handler that records its calls, and can fail, wait, or outlive its lease on request.</summary>
internal sealed class RecordingHandler : IPaymentLinkFulfillmentHandler
{
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentDictionary<string, int> _running = new();
    private int _overlaps;

    public IReadOnlyList<string> Calls => SharedWith?.Calls ?? [.. _calls];

    /// <summary>The mode each session was fulfilled in, as the handler was told it.</summary>
    public ConcurrentDictionary<string, bool> Livemodes { get; } = new();

    /// <summary>How many calls started while another call for the same session was running.</summary>
    public int Overlaps => _overlaps;

    public int FailuresBeforeSuccess { get; set; }

    /// <summary>The failure's message for a session, as a handler that quotes what it was given would write it.</summary>
    public Func<PaymentLinkSession, string>? FailureMessage { get; set; }

    public TimeSpan Delay { get; set; }

    public TimeSpan IgnoreCancellationFor { get; set; }

    public bool SawCancellation { get; private set; }

    public RecordingHandler? SharedWith { get; set; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task FulfillAsync(PaymentLinkSession session, CancellationToken cancellationToken)
    {
        if (SharedWith is { } shared)
        {
            await shared.FulfillAsync(session, cancellationToken);
            return;
        }

        _calls.Enqueue(session.SessionId);
        Livemodes[session.SessionId] = session.Livemode;
        if (_running.AddOrUpdate(session.SessionId, 1, (_, running) => running + 1) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        try
        {
            Started.TrySetResult();
            if (IgnoreCancellationFor > TimeSpan.Zero)
            {
                await Task.Delay(IgnoreCancellationFor, CancellationToken.None);
                SawCancellation = cancellationToken.IsCancellationRequested;
                return;
            }

            if (Delay != TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            if (_calls.Count <= FailuresBeforeSuccess)
            {
                throw new InvalidOperationException(FailureMessage?.Invoke(session) ?? $"The warehouse is closed (try {_calls.Count}).");
            }
        }
        finally
        {
            _running.AddOrUpdate(session.SessionId, 0, (_, running) => running - 1);
        }
    }
}
