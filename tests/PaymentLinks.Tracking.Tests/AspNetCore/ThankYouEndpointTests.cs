using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.AspNetCore;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

public sealed class ThankYouEndpointTests
{
    private const string SessionId = "cs_test_a1b2C3d4E5f6G7h8I9j0";

    private static async Task<long> VisitRowsAsync(EndpointHost host)
    {
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM payment_link_visits";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static Action<PaymentLinkTrackingOptions> StripeAt(LoopbackStripeServer stripe) => options =>
    {
        options.StripeApiKey = "rk_test_51H8notARealKey";
        options.StripeApiBase = new Uri(stripe.ApiBase);
    };

    [Test]
    public async Task A_visit_is_recorded_once_per_session_with_its_campaign_and_the_buyer_is_thanked()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou("/thanks"));

        using var first = await host.Client.GetAsync($"/thanks?session_id={SessionId}&utm_source=newsletter&utm_campaign=spring_sale");
        using var reload = await host.Client.GetAsync($"/thanks?session_id={SessionId}&utm_source=other");

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        first.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        (await first.Content.ReadAsStringAsync()).ShouldContain("<h1>Thank you for your order</h1>");
        (await VisitRowsAsync(host)).ShouldBe(1);
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT utm_source || '/' || utm_campaign || '/' || visit_count FROM payment_link_visits";
        (await read.ExecuteScalarAsync()).ShouldBe("newsletter/spring_sale/2");
    }

    [Test]
    public async Task The_page_delegate_gets_the_visit_and_its_answer_is_served()
    {
        var outcomes = new List<PaymentLinkThankYouOutcome>();
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions
        {
            Page = visit =>
            {
                outcomes.Add(visit.Outcome);
                return Results.Text($"{visit.Outcome} {visit.Page.Utm.Campaign}");
            },
        }));

        (await host.Client.GetStringAsync($"/thanks?session_id={SessionId}&utm_campaign=spring_sale")).ShouldBe("FirstVisit spring_sale");
        (await host.Client.GetStringAsync($"/thanks?session_id={SessionId}")).ShouldBe("Revisit ");
        (await host.Client.GetStringAsync("/thanks?session_id=not-a-session")).ShouldBe("MalformedSessionId ");
        (await host.Client.GetStringAsync("/thanks")).ShouldBe("NoSessionId ");
        outcomes.Count.ShouldBe(4);
    }

    [Test]
    public async Task Stripe_is_asked_once_per_session_id_however_often_the_page_is_loaded()
    {
        await using var stripe = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));
        CheckoutConversionResult? seen = null;
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions { Page = visit => { seen = visit.Lookup; return Results.Ok(); } }),
            builder => builder.Services.AddPaymentLinkStripeApi(),
            tracking: StripeAt(stripe));

        for (var visit = 0; visit < 3; visit++)
        {
            (await host.Client.GetAsync($"/thanks?session_id={SessionId}&utm_source=newsletter")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        stripe.Requests.ShouldHaveSingleItem().Path.ShouldBe($"/v1/checkout/sessions/{SessionId}");
        seen.ShouldNotBeNull().IsConversion.ShouldBeTrue();
        seen.Conversion!.AmountTotal.ShouldBe(2000);
        (await VisitRowsAsync(host)).ShouldBe(1);
    }

    [Test]
    public async Task A_session_Stripe_does_not_know_is_recorded_nowhere_and_asked_about_once()
    {
        await using var stripe = new LoopbackStripeServer(StripeAnswer.Error(404, "invalid_request_error", "resource_missing", "No such checkout.session"));
        var outcomes = new List<PaymentLinkThankYouOutcome>();
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions { Page = visit => { outcomes.Add(visit.Outcome); return Results.Ok(); } }),
            builder => builder.Services.AddPaymentLinkStripeApi(),
            tracking: StripeAt(stripe));

        await host.Client.GetAsync($"/thanks?session_id={SessionId}&utm_source=made_up");
        await host.Client.GetAsync($"/thanks?session_id={SessionId}&utm_source=made_up");

        outcomes.ShouldBe([PaymentLinkThankYouOutcome.UnknownSession, PaymentLinkThankYouOutcome.UnknownSession]);
        stripe.Requests.Count.ShouldBe(1);
        (await VisitRowsAsync(host)).ShouldBe(0);
    }

    [Test]
    public async Task A_session_Stripe_cannot_confirm_is_not_recorded_and_asked_about_again_on_reload()
    {
        await using var stripe = new LoopbackStripeServer(new StripeAnswer(500, "{}"));
        var outcomes = new List<PaymentLinkThankYouOutcome>();
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions { Page = visit => { outcomes.Add(visit.Outcome); return Results.Ok(); } }),
            builder => builder.Services.AddPaymentLinkStripeApi(),
            tracking: StripeAt(stripe));

        await host.Client.GetAsync($"/thanks?session_id={SessionId}");
        var firstLookup = stripe.Requests.Count;
        await host.Client.GetAsync($"/thanks?session_id={SessionId}");

        outcomes.ShouldBe([PaymentLinkThankYouOutcome.NotVerified, PaymentLinkThankYouOutcome.NotVerified]);
        firstLookup.ShouldBeGreaterThan(0);
        stripe.Requests.Count.ShouldBe(2 * firstLookup);
        (await VisitRowsAsync(host)).ShouldBe(0);
    }

    [Test]
    public async Task Each_client_is_limited_to_its_permits_and_another_client_is_not()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou(
            "/thanks", new PaymentLinkThankYouOptions { PermitsPerClient = 2, RateLimitWindow = TimeSpan.FromMinutes(5) }));
        var buyer = IPAddress.Parse("198.51.100.7");

        var answers = new List<int>();
        for (var request = 0; request < 3; request++)
        {
            answers.Add((await host.SendFromAsync(buyer, "GET", "/thanks")).Response.StatusCode);
        }

        var limited = await host.SendFromAsync(buyer, "GET", "/thanks");
        var other = await host.SendFromAsync(IPAddress.Parse("203.0.113.9"), "GET", "/thanks");

        answers.ShouldBe([200, 200, 429]);
        limited.Response.Headers.RetryAfter.ToString().ShouldNotBeEmpty();
        other.Response.StatusCode.ShouldBe(200);
    }
}
