using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using NUnit.Framework;
using PaymentLinks.Tracking.AspNetCore;
using PaymentLinks.Tracking.Sqlite;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// The thank-you page through the real endpoint: the first visit speaks for the buyer, bound to their browser by a
/// cookie, and visits of sessions the ledger does not know are bounded.
/// </summary>
public sealed class ThankYouFirstVisitTests
{
    private const string SessionId = "cs_test_b1u2y3e4r5S6e7s8s9i0n";
    private static readonly IPAddress Buyer = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress Stranger = IPAddress.Parse("198.51.100.99");

    private static Task<EndpointHost> StartAsync(List<PaymentLinkThankYouOutcome>? outcomes = null, Action<WebApplicationBuilder>? configure = null) =>
        EndpointHost.StartAsync(
            app =>
            {
                app.MapPaymentLinkAdmin("/admin").AllowAnonymous();
                app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions
                {
                    // The consent banner's answer, from its cookie.
                    Consent = context => context.Request.Cookies["consent"] == "granted" ? VisitConsent.Granted : VisitConsent.Denied,
                    Page = visit =>
                    {
                        outcomes?.Add(visit.Outcome);
                        return Results.Text(visit.Outcome.ToString());
                    },
                });
            },
            configure);

    private static Task<HttpContext> VisitAsync(
        EndpointHost host, IPAddress from, string cookies, string userAgent, string scheme = "http", string sessionId = SessionId) =>
        host.SendFromAsync(from, "GET", "/thanks", request =>
        {
            request.Scheme = scheme;
            request.Host = new HostString("shop.example");
            request.QueryString = new QueryString($"?session_id={sessionId}&utm_source=newsletter");
            request.Headers.Cookie = cookies;
            request.Headers.UserAgent = userAgent;
        });

    private static SetCookieHeaderValue? BrowserCookie(HttpContext context) =>
        SetCookieHeaderValue.ParseList([.. context.Response.Headers.SetCookie.Select(value => value ?? string.Empty)]).SingleOrDefault(cookie => cookie.Name == "pl_browser");

    /// <summary>What forwarding would send of the session's visit, as the ledger stores it.</summary>
    private static async Task<string?> DetailsAsync(EndpointHost host)
    {
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var read = connection.CreateCommand();
        read.CommandText =
            "SELECT COALESCE(consent, '') || '|' || COALESCE(ga_cookie, '') || '|' || COALESCE(fbp_cookie, '') || '|' || " +
            "COALESCE(fbc_cookie, '') || '|' || COALESCE(client_ip, '') || '|' || COALESCE(user_agent, '') FROM payment_link_visit_details";
        return (string?)await read.ExecuteScalarAsync();
    }

    [Test]
    public async Task A_stranger_with_the_buyers_url_and_consent_granted_is_a_revisit_and_changes_nothing_forwarded()
    {
        var outcomes = new List<PaymentLinkThankYouOutcome>();
        await using var host = await StartAsync(outcomes);

        var buyer = await VisitAsync(host, Buyer, "consent=denied; _ga=GA1.1.100000001.1764000000", "Mozilla/5.0 (Buyer)");
        await VisitAsync(
            host, Stranger, "consent=granted; _ga=GA1.1.999999999.1764000001; _fbp=fb.1.1764000001.999; _fbc=fb.1.1764000001.stranger",
            "Mozilla/5.0 (Stranger)");

        outcomes.ShouldBe([PaymentLinkThankYouOutcome.FirstVisit, PaymentLinkThankYouOutcome.Revisit]);
        (await DetailsAsync(host)).ShouldBe("denied|GA1.1.100000001.1764000000|||203.0.113.7|Mozilla/5.0 (Buyer)");
        var cookie = BrowserCookie(buyer).ShouldNotBeNull();
        cookie.HttpOnly.ShouldBeTrue();
        cookie.SameSite.ShouldBe(Microsoft.Net.Http.Headers.SameSiteMode.Lax);
        cookie.Path.ToString().ShouldBe("/");
        cookie.Secure.ShouldBeFalse();
        cookie.Expires.ShouldBeNull();
        Convert.FromBase64String(cookie.Value.ToString().Replace('-', '+').Replace('_', '/') + "==").Length.ShouldBe(16);
    }

    [Test]
    public async Task The_buyers_own_browser_granting_consent_later_is_kept_and_its_cookie_is_reused()
    {
        await using var host = await StartAsync();
        var buyer = await VisitAsync(host, Buyer, "consent=denied", "Mozilla/5.0 (Buyer)", scheme: "https");
        var cookie = BrowserCookie(buyer).ShouldNotBeNull();
        cookie.Secure.ShouldBeTrue();
        var key = cookie.Value.ToString();

        // The banner answered after the page loaded: the same browser, now on another network, with its _ga cookie set.
        var later = await VisitAsync(host, Stranger, $"pl_browser={key}; consent=granted; _ga=GA1.1.100000001.1764000000", "Mozilla/5.0 (Buyer)");

        BrowserCookie(later).ShouldBeNull();
        (await DetailsAsync(host)).ShouldBe("granted|GA1.1.100000001.1764000000|||203.0.113.7|Mozilla/5.0 (Buyer)");

        // The key from an earlier thank-you page binds the next session's first visit too.
        var next = await VisitAsync(host, Buyer, $"pl_browser={key}; consent=denied", "Mozilla/5.0 (Buyer)", sessionId: "cs_test_n1e2x3t4S5e6s7s8i9o0n");
        BrowserCookie(next).ShouldBeNull();
    }

    [Test]
    public async Task Made_up_session_ids_past_the_bound_are_not_recorded_and_logged_without_the_id()
    {
        var outcomes = new List<PaymentLinkThankYouOutcome>();
        await using var host = await StartAsync(
            outcomes, builder => builder.Services.Configure<SqliteLedgerOptions>(options => options.MaxUnclaimedVisits = 2));

        var ids = Enumerable.Range(0, 5).Select(i => $"cs_test_madeup{i:D4}aaaaaaaaaaaaaaaaaaaa").ToList();
        foreach (var id in ids)
        {
            await VisitAsync(host, Stranger, string.Empty, "curl/8.0", sessionId: id);
        }

        outcomes.ShouldBe([
            PaymentLinkThankYouOutcome.FirstVisit, PaymentLinkThankYouOutcome.FirstVisit, PaymentLinkThankYouOutcome.NotRecorded,
            PaymentLinkThankYouOutcome.NotRecorded, PaymentLinkThankYouOutcome.NotRecorded]);
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM payment_link_visits";
        (await count.ExecuteScalarAsync()).ShouldBe(2L);
        (await host.Services.GetRequiredService<IPaymentLinkAdmin>().GetStatusAsync()).UnclaimedVisits.ShouldBe(2);
        (await host.Client.GetStringAsync("/admin/status")).ShouldContain("\"unclaimed_visits\": 2");
        var warning = host.Logs.Entries.Where(entry => entry.EventId.Name == "PaymentLinkUnclaimedVisitsFull").ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        ids.ShouldAllBe(id => !host.Logs.Entries.Any(entry => entry.Message.Contains(id)));
    }
}
