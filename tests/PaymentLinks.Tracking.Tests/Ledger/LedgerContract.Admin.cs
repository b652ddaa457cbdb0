using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>The admin service on every engine: sessions by state, retries, erasure, retention and the schema's state.</summary>
public abstract partial class LedgerContract
{
    [Test]
    public async Task A_parked_session_is_listed_with_its_last_error_and_a_retry_fulfils_it()
    {
        var instance = Instance(options => options.MaxAttempts = 1);
        instance.Handler.FailuresBeforeSuccess = 1;
        var session = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(session.Completed());
        (await instance.Ledger.ListSessionsAsync(PaymentLinkSessionState.Pending)).Select(s => s.SessionId).ShouldBe([session.SessionId]);
        await DrainAsync(instance.Worker);

        var parked = (await instance.Ledger.ListSessionsAsync(PaymentLinkSessionState.Parked)).ShouldHaveSingleItem();
        parked.SessionId.ShouldBe(session.SessionId);
        parked.LastFulfillmentError.ShouldBe("System.InvalidOperationException: The warehouse is closed (try 1).");
        (await instance.Ledger.GetStatusAsync()).ParkedSessions.ShouldBe(1);

        (await instance.Ledger.RetryAsync(session.SessionId)).ShouldBeTrue();
        (await instance.Ledger.ListSessionsAsync(PaymentLinkSessionState.Parked)).ShouldBeEmpty();
        (await instance.Ledger.GetStatusAsync()).PendingSessions.ShouldBe(1);
        await DrainAsync(instance.Worker);

        var fulfilled = (await instance.Ledger.ListSessionsAsync(PaymentLinkSessionState.Fulfilled)).ShouldHaveSingleItem();
        fulfilled.FulfilledAt.ShouldNotBeNull();
        fulfilled.FulfillmentAttempts.ShouldBe(1);
        instance.Handler.Calls.Count.ShouldBe(2);
        (await instance.Ledger.RetryAsync(session.SessionId)).ShouldBeFalse();
        (await instance.Ledger.GetStatusAsync()).ShouldSatisfyAllConditions(
            status => status.ParkedSessions.ShouldBe(0), status => status.PendingSessions.ShouldBe(0));
    }

    [Test]
    public async Task Retrying_all_parked_sessions_makes_each_due_again_and_leaves_the_others()
    {
        var instance = Instance(options => options.MaxAttempts = 1);
        instance.Handler.FailuresBeforeSuccess = 2;
        var (first, second) = (CheckoutEvents.ForNewSession(), CheckoutEvents.ForNewSession());
        await instance.Ledger.RecordAsync(first.Completed());
        await instance.Ledger.RecordAsync(second.Completed());
        await DrainAsync(instance.Worker);
        var open = CheckoutEvents.ForNewSession();
        await instance.Ledger.RecordAsync(open.Completed("unpaid"));

        (await instance.Ledger.RetryAllParkedAsync()).ShouldBe(2);
        (await instance.Ledger.ListSessionsAsync(PaymentLinkSessionState.Pending)).Select(s => s.SessionId)
            .ShouldBe([first.SessionId, second.SessionId], ignoreOrder: true);
        (await instance.Ledger.RetryAllParkedAsync()).ShouldBe(0);
    }

    [Test]
    public async Task Erasing_an_email_leaves_it_nowhere_in_the_database_and_the_report_unchanged()
    {
        var instance = Instance(options => options.MaxAttempts = 1);
        instance.Handler.FailuresBeforeSuccess = 1;
        instance.Handler.FailureMessage = session => $"No licence could be sent to {session.CustomerEmail}.";
        var (paid, other) = (CheckoutEvents.ForNewSession(), CheckoutEvents.ForNewSession());
        await instance.Ledger.RecordAsync(paid.Completed());
        await instance.Ledger.RecordVisitAsync(
            paid.SessionId,
            new UtmCodes { Source = "newsletter", Campaign = "spring_sale" },
            new ThankYouVisitDetails { UserAgent = "Mozilla/5.0 (buyer's phone)", ClientIp = "198.51.100.23", GoogleAnalyticsCookie = "GA1.1.111.222", Consent = VisitConsent.Granted });
        await DrainAsync(instance.Worker);
        await instance.Ledger.RecordAsync(other.Completed());

        // An event catch-up could not read keeps its raw body, which names the customer too.
        await instance.Ledger.RecordRefusedCatchUpEventAsync(
            new RefusedCatchUpEvent("evt_unreadable_erasure", "checkout.session.completed", null, "NotAnEvent",
                "{\"id\": \"evt_unreadable_erasure\", \"data\": {\"object\": {\"customer_details\": {\"email\": \"" + SignedWebhooks.CustomerEmail + "\"}}}}"),
            CancellationToken.None);
        var reportBefore = CampaignReportJson.ToJson(await instance.Ledger.ReportAsync());
        (await PlacesContainingAsync(SignedWebhooks.CustomerEmail)).ShouldNotBeEmpty();
        (await PlacesContainingAsync("198.51.100.23")).ShouldNotBeEmpty();

        var erased = await instance.Ledger.EraseByEmailAsync(SignedWebhooks.CustomerEmail.ToUpperInvariant());

        erased.SessionIds.ShouldBe([paid.SessionId, other.SessionId], ignoreOrder: true);
        (await PlacesContainingAsync(SignedWebhooks.CustomerEmail)).ShouldBeEmpty();
        (await PlacesContainingAsync("198.51.100.23")).ShouldBeEmpty();
        (await PlacesContainingAsync("buyer's phone")).ShouldBeEmpty();
        (await instance.Ledger.ListRefusedCatchUpEventsAsync()).ShouldHaveSingleItem().Json.ShouldBe(DbPaymentLinkLedger.ErasedPayload);
        CampaignReportJson.ToJson(await instance.Ledger.ReportAsync()).ShouldBe(reportBefore);
        var row = (await instance.Ledger.FindSessionAsync(paid.SessionId)).ShouldNotBeNull();
        row.ShouldSatisfyAllConditions(
            () => row.CustomerEmail.ShouldBeNull(),
            () => row.Metadata.ShouldBeEmpty(),
            () => row.AmountTotal.ShouldBe(4200),
            () => row.LastFulfillmentError.ShouldBe(DbPaymentLinkLedger.ErasedError),
            () => row.ParkedAt.ShouldNotBeNull());

        // Stripe sends more about the session afterwards: the erasure holds.
        await instance.Ledger.RecordAsync(paid.AsyncPaymentSucceeded());
        (await PlacesContainingAsync(SignedWebhooks.CustomerEmail)).ShouldBeEmpty();
    }

    [Test]
    public async Task Erasing_a_session_erases_that_session_only_and_holds_for_its_later_events()
    {
        var ledger = Instance().Ledger;
        var (erased, kept, notYetSeen) = (CheckoutEvents.ForNewSession(), CheckoutEvents.ForNewSession(), CheckoutEvents.ForNewSession());
        await ledger.RecordAsync(erased.Completed());
        await ledger.RecordAsync(kept.Completed());

        (await ledger.EraseSessionAsync(erased.SessionId)).SessionIds.ShouldBe([erased.SessionId]);
        (await ledger.EraseSessionAsync(notYetSeen.SessionId)).SessionIds.ShouldBeEmpty();
        await ledger.RecordAsync(notYetSeen.Completed());

        (await ledger.FindSessionAsync(erased.SessionId))!.CustomerEmail.ShouldBeNull();
        (await ledger.FindSessionAsync(notYetSeen.SessionId))!.CustomerEmail.ShouldBeNull();
        (await ledger.FindSessionAsync(kept.SessionId))!.CustomerEmail.ShouldBe(SignedWebhooks.CustomerEmail);
        await Should.ThrowAsync<ArgumentException>(() => ledger.EraseSessionAsync("not-a-session"));
    }

    [Test]
    public async Task The_retention_erases_personal_data_older_than_it_and_is_off_by_default()
    {
        new PaymentLinkLedgerOptions().PersonalDataRetention.ShouldBeNull();
        var ledger = Instance().Ledger;
        var session = CheckoutEvents.ForNewSession();
        await ledger.RecordAsync(session.Completed());
        var retention = TimeSpan.FromDays(30);

        var today = new RetentionWorker(ledger, retention, new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<RetentionWorker>.Instance);
        (await today.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
        (await new RetentionWorker(ledger, null, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(365)), NullLogger<RetentionWorker>.Instance)
            .RunOnceAsync(CancellationToken.None)).ShouldBe(0);
        (await ledger.FindSessionAsync(session.SessionId))!.CustomerEmail.ShouldBe(SignedWebhooks.CustomerEmail);

        var monthsLater = new RetentionWorker(ledger, retention, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(31)), NullLogger<RetentionWorker>.Instance);
        (await monthsLater.RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        (await ledger.FindSessionAsync(session.SessionId))!.CustomerEmail.ShouldBeNull();
        (await monthsLater.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Test]
    public async Task With_migrations_off_a_schema_that_is_behind_stops_the_ledger_until_migrate_applies_it()
    {
        // A database made by an earlier version of the library: the newest script not yet applied.
        var newest = (await Instance().Ledger.GetSchemaAsync()).RequiredVersions[^1];
        await Instance().Ledger.ApplyMigrationsAsync();
        await ScalarAsync($"DELETE FROM payment_link_schema_versions WHERE version = {newest}");

        var readOnly = Instance(options => options.ApplyMigrations = false).Ledger;
        var behind = await Should.ThrowAsync<InvalidOperationException>(() => readOnly.FindSessionAsync("cs_test_any"));
        behind.Message.ShouldContain($"lacks version {newest:000}");
        behind.Message.ShouldContain("ApplyMigrations");
        var schema = await readOnly.GetSchemaAsync();
        schema.IsCurrent.ShouldBeFalse();
        schema.MissingVersions.ShouldBe([newest]);
        schema.MissingScript.ShouldContain($"VALUES ({newest},");

        (await readOnly.ApplyMigrationsAsync()).IsCurrent.ShouldBeTrue();
        (await Instance(options => options.ApplyMigrations = false).Ledger.FindSessionAsync("cs_test_any")).ShouldBeNull();
    }
}
