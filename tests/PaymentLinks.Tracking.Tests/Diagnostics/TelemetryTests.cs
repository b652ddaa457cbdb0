using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.AspNetCore;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Diagnostics;

/// <summary>The library's metrics and spans, read with MeterListener and ActivityListener as an exporter reads them.</summary>
[NonParallelizable]
public sealed class TelemetryTests
{
    private static async Task<HttpResponseMessage> PostAsync(EndpointHost host, byte[] body, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Stripe-Signature", signature);
        return await host.Client.SendAsync(request);
    }

    [Test]
    public async Task Each_webhook_is_counted_by_outcome_and_event_type_and_traced_with_its_session_and_no_personal_data()
    {
        using var telemetry = new TelemetryRecorder();
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkWebhook("/stripe/webhook"));
        var session = CheckoutEvents.ForNewSession();
        var body = session.Body("checkout.session.completed", "complete", "paid");
        var signature = SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        (await PostAsync(host, body, signature)).EnsureSuccessStatusCode();
        (await PostAsync(host, body, signature)).EnsureSuccessStatusCode();
        await PostAsync(host, body, "t=1,v1=00");

        var received = telemetry.Of("paymentlinks.webhooks.received");
        received.Select(m => ((string)m.Tags["paymentlinks.outcome"]!, (string)m.Tags["paymentlinks.event_type"]!)).ShouldBe(
            [("stored", "checkout.session.completed"), ("duplicate", "checkout.session.completed"), ("refused", "unknown")]);
        received.ShouldAllBe(m => m.Unit == "{webhook}" && m.Value == 1);
        var stored = telemetry.Of("paymentlinks.webhook.store.duration");
        stored.Count.ShouldBe(2);
        stored.ShouldAllBe(m => m.Unit == "s" && m.Value > 0);

        var spans = telemetry.Activities.ToList();
        spans.Count(span => span.OperationName == "paymentlinks.webhook.receive").ShouldBe(3);
        var store = spans.First(span => span.OperationName == "paymentlinks.webhook.store");
        store.GetTagItem("paymentlinks.session_id").ShouldBe(session.SessionId);
        store.Parent.ShouldNotBeNull().OperationName.ShouldBe("paymentlinks.webhook.receive");
        spans.SelectMany(span => span.TagObjects).ShouldAllBe(tag => !(tag.Value ?? string.Empty).ToString()!.Contains(SignedWebhooks.CustomerEmail));
        telemetry.Measurements.SelectMany(m => m.Tags.Values).ShouldAllBe(value => !(value ?? string.Empty).ToString()!.Contains('@'));
    }

    [Test]
    public async Task Fulfilment_is_counted_timed_and_traced_and_the_pending_gauge_follows_the_ledger()
    {
        using var telemetry = new TelemetryRecorder();
        var services = new ServiceCollection();
        var handler = new RecordingHandler { FailuresBeforeSuccess = 2 };
        services.AddSingleton<IPaymentLinkFulfillmentHandler>(handler);
        var folder = Directory.CreateTempSubdirectory("paymentlinks-telemetry-");
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={Path.Combine(folder.FullName, "ledger.db")}";
            options.MaxAttempts = 2;
            options.RetryDelay = TimeSpan.Zero;
        });
        try
        {
            await using var provider = services.BuildServiceProvider();
            var ledger = provider.GetRequiredService<DbPaymentLinkLedger>();
            var worker = provider.GetServices<IHostedService>().OfType<FulfillmentWorker>().Single();
            var (parked, fulfilled) = (CheckoutEvents.ForNewSession(), CheckoutEvents.ForNewSession());
            await ledger.RecordAsync(parked.Completed());
            await worker.FulfillNextAsync(CancellationToken.None);
            await worker.FulfillNextAsync(CancellationToken.None);
            await ledger.RecordAsync(fulfilled.Completed());
            await ledger.RecordAsync(CheckoutEvents.ForNewSession().Completed("unpaid"));
            await worker.FulfillNextAsync(CancellationToken.None);
            await ledger.RecordAsync(CheckoutEvents.ForNewSession().Completed());

            // Idle for the worker (the last session is due, but the worker is not asked): the gauge counts what waits.
            await ledger.ClaimAsync("elsewhere", TimeSpan.FromMinutes(1), CancellationToken.None);
            (await worker.FulfillNextAsync(CancellationToken.None)).ShouldBeFalse();
            telemetry.Observe();

            telemetry.Of("paymentlinks.sessions.fulfillment_failed").Count.ShouldBe(1);
            telemetry.Of("paymentlinks.sessions.parked").Count.ShouldBe(1);
            telemetry.Of("paymentlinks.sessions.fulfilled").Count.ShouldBe(1);
            telemetry.Of("paymentlinks.fulfillment.duration").Count.ShouldBe(3);
            telemetry.Of("paymentlinks.sessions.pending")[^1].Value.ShouldBe(1);
            var spans = telemetry.Activities.Where(span => span.OperationName == "paymentlinks.fulfill").ToList();
            spans.Select(span => span.GetTagItem("paymentlinks.outcome")).ShouldBe(["failed", "parked", "fulfilled"]);
            spans.Select(span => span.GetTagItem("paymentlinks.session_id")).ShouldBe([parked.SessionId, parked.SessionId, fulfilled.SessionId]);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_thank_you_visit_is_counted_as_first_or_revisit()
    {
        using var telemetry = new TelemetryRecorder();
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou("/thanks"));

        await host.Client.GetAsync("/thanks?session_id=cs_test_visit1&utm_source=newsletter");
        await host.Client.GetAsync("/thanks?session_id=cs_test_visit1");

        telemetry.Of("paymentlinks.visits.recorded").Select(m => m.Tags["paymentlinks.visit"]).ShouldBe(["first", "revisit"]);
    }
}
