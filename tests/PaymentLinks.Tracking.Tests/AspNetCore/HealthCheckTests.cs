using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

public sealed class HealthCheckTests
{
    private static Task<EndpointHost> StartAsync(Action<PaymentLinks.Tracking.AspNetCore.PaymentLinkHealthCheckOptions>? configure = null) =>
        EndpointHost.StartAsync(app => app.MapHealthChecks("/health"), builder => builder.Services.AddHealthChecks().AddPaymentLinkTracking(configure));

    private static async Task<HealthReportEntry> CheckAsync(EndpointHost host) =>
        (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["paymentlinks"];

    [Test]
    public async Task A_reachable_ledger_with_nothing_parked_is_healthy_with_its_counts()
    {
        await using var host = await StartAsync();

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Healthy);
        entry.Data["parked_sessions"].ShouldBe(0L);
        entry.Data["pending_sessions"].ShouldBe(0L);
        entry.Data["unclaimed_visits"].ShouldBe(0L);
        (await host.Client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_parked_session_degrades_the_check()
    {
        await using var host = await StartAsync();
        await AdminEndpointTests.ParkAsync(host.Services);

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Degraded);
        entry.Data["parked_sessions"].ShouldBe(1L);
        entry.Description.ShouldNotBeNull().ShouldContain("1 session is parked");
    }

    [Test]
    public async Task A_catch_up_watermark_older_than_the_option_degrades_the_check()
    {
        await using var host = await StartAsync(options => options.MaxCatchUpLag = TimeSpan.FromHours(1));
        var ledger = host.Services.GetRequiredService<DbPaymentLinkLedger>();
        (await CheckAsync(host)).Status.ShouldBe(HealthStatus.Degraded);

        (await ledger.TakeCatchUpLeaseAsync("test-owner", TimeSpan.FromMinutes(1), CancellationToken.None)).Taken.ShouldBeTrue();
        await ledger.AdvanceCatchUpAsync("test-owner", DateTimeOffset.UtcNow.AddHours(-3), TimeSpan.FromMinutes(1), CancellationToken.None);
        var stale = await CheckAsync(host);
        await ledger.AdvanceCatchUpAsync("test-owner", DateTimeOffset.UtcNow.AddMinutes(-5), TimeSpan.FromMinutes(1), CancellationToken.None);
        var fresh = await CheckAsync(host);

        stale.Status.ShouldBe(HealthStatus.Degraded);
        ((double)stale.Data["catch_up_lag_seconds"]).ShouldBeGreaterThan(3 * 3600 - 60);
        fresh.Status.ShouldBe(HealthStatus.Healthy);
    }

    [Test]
    public async Task A_refused_catch_up_event_degrades_the_check()
    {
        await using var host = await StartAsync();
        var ledger = host.Services.GetRequiredService<DbPaymentLinkLedger>();
        await ledger.RecordRefusedCatchUpEventAsync(
            new RefusedCatchUpEvent("evt_unreadable_1", "checkout.session.completed", DateTimeOffset.UtcNow, "NotAnEvent", "{\"id\": \"evt_unreadable_1\"}", DateTimeOffset.UtcNow),
            CancellationToken.None);

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Degraded);
        entry.Data["refused_catch_up_events"].ShouldBe(1L);
    }

    [Test]
    public async Task A_dead_conversion_in_the_forwarding_outbox_degrades_the_check_with_the_count_in_its_data()
    {
        await using var host = await StartAsync();
        (await CheckAsync(host)).Data["dead_conversions"].ShouldBe(0L);

        // As the forwarding worker leaves a conversion after its last failed try (the worker's own path is the ledger
        // contract's): two dead, one sent.
        await InsertConversionsAsync(
            host,
            "('cs_live_dead1', 'google_analytics', 'purchase', 0, 1, 'dead', 8, 'GA4 answered 503', 0, 0)",
            "('cs_live_dead2', 'webhook', 'purchase', 0, 1, 'dead', 8, 'timed out', 0, 0)",
            "('cs_live_sent', 'meta', 'purchase', 0, 1, 'sent', 1, NULL, 0, 0)");

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Degraded);
        entry.Data["dead_conversions"].ShouldBe(2L);
        entry.Description.ShouldNotBeNull().ShouldContain("2 forwarded conversions are dead");
        (await host.Client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_conversion_a_destination_refused_degrades_the_check_with_the_count_in_its_data()
    {
        await using var host = await StartAsync();

        // As the forwarding worker leaves a conversion Meta refused with a 400 (a wrong access token, say).
        await InsertConversionsAsync(host, "('cs_live_refused1', 'meta', 'purchase', 0, 1, 'failed', 1, 'Meta answered 400', 0, 0)");

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Degraded);
        entry.Data["failed_conversions"].ShouldBe(1L);
        entry.Data["dead_conversions"].ShouldBe(0L);
        entry.Description.ShouldNotBeNull().ShouldContain("refused 1 conversion ");
    }

    [Test]
    public async Task The_oldest_pending_conversions_age_is_in_the_checks_data_and_a_withheld_one_degrades_nothing()
    {
        await using var host = await StartAsync();
        (await CheckAsync(host)).Data.ContainsKey("oldest_pending_conversion_seconds").ShouldBeFalse();
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        await InsertConversionsAsync(
            host,
            $"('cs_live_waiting', 'google_analytics', 'purchase', 0, 1, 'pending', 3, 'GA4 answered 503', {hourAgo}, {hourAgo})",
            "('cs_live_no_consent', 'meta', 'purchase', 0, 1, 'withheld', 1, 'Not sent to Meta: the buyer''s consent is not recorded', 0, 0)");

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Healthy);
        ((double)entry.Data["oldest_pending_conversion_seconds"]).ShouldBeInRange(3590, 3700);
        entry.Data["failed_conversions"].ShouldBe(0L);
    }

    [Test]
    public async Task A_ledger_that_cannot_be_reached_is_unhealthy_and_health_answers_503()
    {
        await using var host = await StartAsync();
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(host.LedgerPath)!))
        {
            File.Delete(file);
        }

        Directory.CreateDirectory(host.LedgerPath);

        var entry = await CheckAsync(host);

        entry.Status.ShouldBe(HealthStatus.Unhealthy);
        entry.Description.ShouldNotBeNull().ShouldContain("cannot be reached");
        entry.Description.ShouldNotContain(host.LedgerPath);
        (await host.Client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    // Rows as the forwarding worker leaves them (the worker's own path is the ledger contract's).
    private static async Task InsertConversionsAsync(EndpointHost host, params string[] rows)
    {
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var insert = connection.CreateCommand();
        insert.CommandText =
            "INSERT INTO payment_link_forwarding (session_id, destination, kind, occurred_at, livemode, state, attempts, last_error, created_at, updated_at) VALUES " +
            string.Join(", ", rows);
        await insert.ExecuteNonQueryAsync();
    }
}
