using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

public sealed class WebhookEndpointTests
{
    private static HttpRequestMessage Post(byte[] body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.Add("Stripe-Signature", signature);
        }

        return request;
    }

    private static string SignNow(byte[] body) => SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    [Test]
    public async Task A_signed_event_is_stored_and_answered_200_and_its_redelivery_200_again()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkWebhook("/stripe/webhook"));
        var session = CheckoutEvents.ForNewSession();
        var body = session.Body("checkout.session.completed", "complete", "paid");

        using var first = await host.Client.SendAsync(Post(body, SignNow(body)));
        using var again = await host.Client.SendAsync(Post(body, SignNow(body)));

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var stored = await host.Services.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(session.SessionId);
        stored.ShouldNotBeNull().PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
    }

    [TestCase(null, "MissingHeader")]
    [TestCase("signed an hour ago", "TimestampOutsideTolerance")]
    [TestCase("t=1,v1=00", "NoMatchingSignature")]
    [TestCase("wrong", "MalformedHeader")]
    public async Task A_refused_request_is_answered_400_with_the_reason_and_stores_nothing(string? signature, string reason)
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkWebhook("/stripe/webhook"));
        var session = CheckoutEvents.ForNewSession();
        var body = session.Body("checkout.session.completed", "complete", "paid");
        if (signature == "signed an hour ago")
        {
            signature = SignedWebhooks.Header(body, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        }

        using var response = await host.Client.SendAsync(Post(body, signature));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith(reason + ": ");
        (await host.Services.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(session.SessionId)).ShouldBeNull();
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_body_past_the_limit_is_answered_413_whether_its_length_is_declared_or_not(bool declared)
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkWebhook("/stripe/webhook"), tracking: options => options.MaxPayloadBytes = 1024);
        var body = new byte[4096];
        Array.Fill(body, (byte)' ');
        var request = Post(body, SignNow(body));
        if (!declared)
        {
            request.Content = new StreamContent(new UnseekableStream(new MemoryStream(body)));
        }

        using var response = await host.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("PayloadTooLarge: ");
    }

    [TestCase(true, false, true)]
    [TestCase(false, false, true)]
    [TestCase(true, true, true)]
    [TestCase(false, true, true)]
    [TestCase(true, true, false)]
    [TestCase(false, true, false)]
    public async Task A_body_past_the_limit_is_logged_once_as_a_refusal(bool declared, bool kestrel, bool ledger)
    {
        await using var host = await EndpointHost.StartAsync(
            app =>
            {
                if (ledger)
                {
                    app.MapPaymentLinkWebhook("/stripe/webhook");
                }
                else
                {
                    app.MapPaymentLinkWebhook("/stripe/webhook", (_, _) => Task.CompletedTask);
                }
            },
            kestrel: kestrel, ledger: ledger, tracking: options => options.MaxPayloadBytes = 1024);
        var body = new byte[64 * 1024];
        Array.Fill(body, (byte)' ');
        var request = Post(body, SignNow(body));
        if (!declared)
        {
            request.Content = new StreamContent(new UnseekableStream(new MemoryStream(body)));
        }

        using var response = await host.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        host.Logs.Entries.Where(entry => entry.Level == Microsoft.Extensions.Logging.LogLevel.Warning && entry.AllText.Contains("PayloadTooLarge", StringComparison.Ordinal))
            .ShouldHaveSingleItem();
    }

    [Test]
    public async Task An_event_the_ledger_cannot_store_is_answered_503_so_that_Stripe_delivers_it_again()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkWebhook("/stripe/webhook"));
        var body = CheckoutEvents.ForNewSession().Body("checkout.session.completed", "complete", "paid");

        // The ledger's file is replaced by a folder: every write fails.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(host.LedgerPath)!))
        {
            File.Delete(file);
        }

        Directory.CreateDirectory(host.LedgerPath);
        using var response = await host.Client.SendAsync(Post(body, SignNow(body)));

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Test]
    public async Task Without_a_ledger_the_delegate_gets_the_typed_event_and_its_failure_is_answered_503()
    {
        var received = new List<PaymentLinkEvent>();
        var fail = false;
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkWebhook("/stripe/webhook", (paymentLinkEvent, _) =>
            {
                if (fail)
                {
                    throw new InvalidOperationException("Our own store is down.");
                }

                received.Add(paymentLinkEvent);
                return Task.CompletedTask;
            }),
            ledger: false);
        var session = CheckoutEvents.ForNewSession();
        var body = session.Body("checkout.session.completed", "complete", "paid");

        using var ok = await host.Client.SendAsync(Post(body, SignNow(body)));
        using var refused = await host.Client.SendAsync(Post(body, "t=1,v1=00"));
        fail = true;
        using var failed = await host.Client.SendAsync(Post(body, SignNow(body)));

        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        failed.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        received.ShouldHaveSingleItem().Checkout!.SessionId.ShouldBe(session.SessionId);
        host.Logs.Entries.ShouldContain(entry => entry.Message.Contains("System.InvalidOperationException", StringComparison.Ordinal));
    }

    [Test]
    public async Task The_containers_reader_follows_a_rolled_secret()
    {
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkWebhook("/stripe/webhook", (_, _) => Task.CompletedTask),
            builder => builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("RolledTracking")),
            ledger: false);
        var body = CheckoutEvents.ForNewSession().Body("checkout.session.completed", "complete", "paid");
        var rolled = SignedWebhooks.Header(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), SignedWebhooks.OtherSecret);

        using var before = await host.Client.SendAsync(Post(body, rolled));
        host.Configuration["RolledTracking:SigningSecrets:0"] = SignedWebhooks.OtherSecret;
        host.Configuration.Reload();
        using var after = await host.Client.SendAsync(Post(body, rolled));

        before.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        after.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
