using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.AspNetCore;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>The thank-you visit tied to the visitor of the tracked links, through the real endpoints.</summary>
public sealed class ThankYouVisitorTests
{
    private const string Link = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";
    private const string SessionId = "cs_test_v1i2s3i4t5o6r7S8e9s0s";

    private static Task<EndpointHost> StartAsync(string? visitorCookieName = null) =>
        EndpointHost.StartAsync(
            app =>
            {
                app.MapPaymentLinkRedirect("/go/{name}", new PaymentLinkRedirectOptions { VisitorCookieName = visitorCookieName ?? PaymentLinkRedirectOptions.DefaultVisitorCookieName });
                var thanks = new PaymentLinkThankYouOptions { Page = visit => Results.Text(visit.Outcome.ToString()) };
                if (visitorCookieName is not null)
                {
                    thanks.VisitorCookieName = visitorCookieName;
                }

                app.MapPaymentLinkThankYou("/thanks", thanks);
            },
            tracking: tracking => tracking.Links["pro"] = Link);

    private static async Task<string?> StoredVisitorAsync(EndpointHost host)
    {
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var read = connection.CreateCommand();
        read.CommandText = $"SELECT visitor_id FROM payment_link_visit_visitors WHERE session_id = '{SessionId}'";
        return (string?)await read.ExecuteScalarAsync();
    }

    [TestCase(null)]
    [TestCase("shop_visitor")]
    public async Task The_thank_you_visit_keeps_the_visitor_whose_cookie_the_redirect_set(string? cookieName)
    {
        await using var host = await StartAsync(cookieName);
        var name = cookieName ?? "plt_visitor";
        using var click = await host.Client.GetAsync("/go/pro?gclid=EAIa_visitor");
        var visitor = click.Headers.GetValues("Set-Cookie").Single(cookie => cookie.StartsWith(name + "=", StringComparison.Ordinal)).Split(';')[0][(name.Length + 1)..];
        var clickId = ClientReferenceCodec.Decode(QueryHelpers.ParseQuery(click.Headers.Location!.Query)["client_reference_id"]).ClickId!;

        using var visit = new HttpRequestMessage(HttpMethod.Get, $"/thanks?session_id={SessionId}");
        visit.Headers.Add("Cookie", $"{name}={visitor}");
        using var thanked = await host.Client.SendAsync(visit);

        thanked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StoredVisitorAsync(host)).ShouldBe(visitor);
        (await host.Services.GetRequiredService<IPaymentLinkClicks>().FindClickAsync(clickId))!.VisitorId.ShouldBe(visitor);
    }

    [Test]
    public async Task A_visit_without_the_cookie_is_tied_to_no_visitor()
    {
        await using var host = await StartAsync();

        using var thanked = await host.Client.GetAsync($"/thanks?session_id={SessionId}");

        thanked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StoredVisitorAsync(host)).ShouldBeNull();
    }

    [Test]
    public void An_empty_visitor_cookie_name_is_refused_at_mapping()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        Should.Throw<ArgumentException>(() => app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions { VisitorCookieName = " " }))
            .ParamName.ShouldBe("options.VisitorCookieName");
    }
}
