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

public sealed class RedirectEndpointTests
{
    private const string Link = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";

    private static Task<EndpointHost> StartAsync(PaymentLinkRedirectOptions? options = null) =>
        EndpointHost.StartAsync(
            app => app.MapPaymentLinkRedirect("/go/{name}", options),
            tracking: tracking => tracking.Links["pro"] = Link + "?client_reference_id=order_4711&utm_source=configured");

    private static async Task<long> ClickRowsAsync(EndpointHost host)
    {
        // The redirect answers before its click is written.
        await host.Services.GetRequiredService<DbPaymentLinkLedger>().WaitForQueuedClicksAsync(CancellationToken.None);
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM payment_link_clicks";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static Dictionary<string, string?> Query(Uri location) =>
        QueryHelpers.ParseQuery(location.Query).ToDictionary(pair => pair.Key, pair => (string?)pair.Value.ToString());

    [Test]
    public async Task A_click_is_recorded_and_redirected_to_the_configured_link_with_its_id_and_codes()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/go/pro?utm_source=google&utm_medium=cpc&gclid=EAIaIQob_1&fbclid=IwAR-x");

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var location = response.Headers.Location!;
        location.GetLeftPart(UriPartial.Path).ShouldBe(Link);
        var query = Query(location);
        query["utm_source"].ShouldBe("google");
        query["utm_medium"].ShouldBe("cpc");
        query.ShouldNotContainKey("gclid");
        var decoded = ClientReferenceCodec.Decode(query["client_reference_id"]);
        decoded.MerchantReference.ShouldBe("order_4711");
        var click = (await host.Services.GetRequiredService<IPaymentLinkClicks>().FindClickAsync(decoded.ClickId!)).ShouldNotBeNull();
        click.Gclid.ShouldBe("EAIaIQob_1");
        click.Fbc.ShouldBe($"fb.1.{click.ClickedAt.ToUnixTimeMilliseconds()}.IwAR-x");
        click.LandingUrl.ShouldBe("http://localhost/go/pro?utm_source=google&utm_medium=cpc&gclid=EAIaIQob_1&fbclid=IwAR-x");
    }

    [Test]
    public async Task The_visitor_cookie_is_http_only_lax_and_lasts_90_days_and_ties_the_next_click()
    {
        await using var host = await StartAsync();

        using var first = await host.Client.GetAsync("/go/pro");
        var cookie = first.Headers.GetValues("Set-Cookie").Single();
        var attributes = cookie.Split("; ");
        attributes[0].ShouldStartWith("plt_visitor=");
        var visitor = attributes[0]["plt_visitor=".Length..];
        ClientReferenceCodec.IsClickId(visitor).ShouldBeTrue();
        attributes.ShouldContain("max-age=7776000");
        attributes.ShouldContain("path=/");
        attributes.ShouldContain("samesite=lax");
        attributes.ShouldContain("httponly");
        attributes.ShouldNotContain("secure");

        using var again = new HttpRequestMessage(HttpMethod.Get, "/go/pro");
        again.Headers.Add("Cookie", $"plt_visitor={visitor}");
        using var second = await host.Client.SendAsync(again);
        var clickId = ClientReferenceCodec.Decode(Query(second.Headers.Location!)["client_reference_id"]).ClickId!;
        (await host.Services.GetRequiredService<IPaymentLinkClicks>().FindClickAsync(clickId))!.VisitorId.ShouldBe(visitor);
    }

    [Test]
    public async Task On_https_the_visitor_cookie_is_secure_and_its_name_and_lifetime_are_options()
    {
        await using var host = await StartAsync(new PaymentLinkRedirectOptions { VisitorCookieName = "shop_visitor", VisitorCookieLifetime = TimeSpan.FromDays(30) });

        var context = await host.SendFromAsync(IPAddress.Parse("198.51.100.7"), "GET", "/go/pro", request => request.Scheme = "https");

        var cookie = context.Response.Headers.SetCookie.ToString();
        cookie.ShouldStartWith("shop_visitor=");
        cookie.ShouldContain("max-age=2592000");
        cookie.ShouldContain("secure");
    }

    [TestCase("HEAD", null, null)]
    [TestCase("GET", "Sec-Purpose", "prefetch;prerender")]
    [TestCase("GET", "Purpose", "prefetch")]
    [TestCase("GET", "User-Agent", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")]
    [TestCase("GET", "User-Agent", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")]
    [TestCase("GET", "User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")]
    [TestCase("GET", "User-Agent", "WhatsApp/2.23.20.0")]
    [TestCase("GET", "User-Agent", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)")]
    [TestCase("GET", "User-Agent", "OurOwnPreviewer/1.0")]
    public async Task What_is_not_a_click_is_redirected_but_not_counted(string method, string? header, string? value)
    {
        await using var host = await StartAsync(new PaymentLinkRedirectOptions { MoreCrawlers = ["OurOwnPreviewer"] });

        var context = await host.SendFromAsync(IPAddress.Parse("198.51.100.7"), method, "/go/pro", request =>
        {
            if (header is not null)
            {
                request.Headers[header] = value;
            }
        });

        context.Response.StatusCode.ShouldBe(StatusCodes.Status302Found);
        var location = new Uri(context.Response.Headers.Location.ToString());
        Query(location)["client_reference_id"].ShouldBe("order_4711");
        context.Response.Headers.SetCookie.ShouldBeEmpty();
        (await ClickRowsAsync(host)).ShouldBe(0);
    }

    [TestCase("/go/unknown")]
    [TestCase("/go/https%3A%2F%2Fevil.example")]
    public async Task An_unknown_name_is_404_and_nothing_else_is_redirected_to(string path)
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync(path + "?redirect=https://evil.example/&url=https://evil.example/");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Headers.Location.ShouldBeNull();
        (await ClickRowsAsync(host)).ShouldBe(0);
    }

    [Test]
    public async Task The_ip_and_user_agent_are_recorded_only_under_consent()
    {
        await using var host = await StartAsync(new PaymentLinkRedirectOptions
        {
            Consent = context => context.Request.Query["consent"] == "granted" ? VisitConsent.Granted : VisitConsent.Denied,
        });
        var clicks = host.Services.GetRequiredService<IPaymentLinkClicks>();

        async Task<PaymentLinkClick> ClickAsync(string query)
        {
            var context = await host.SendFromAsync(IPAddress.Parse("198.51.100.7"), "GET", "/go/pro", request =>
            {
                request.QueryString = new QueryString(query);
                request.Headers.UserAgent = "Mozilla/5.0 (buyer's phone)";
                request.Headers.Cookie = "_ga=GA1.1.1.2; _fbp=fb.1.1.2; _fbc=fb.1.1600000000000.IwAR_cookie; _ttp=ttp_1";
                request.Headers.Referer = "https://news.example/";
            });
            var id = ClientReferenceCodec.Decode(Query(new Uri(context.Response.Headers.Location.ToString()))["client_reference_id"]).ClickId!;
            return (await clicks.FindClickAsync(id))!;
        }

        var granted = await ClickAsync("?consent=granted&fbclid=IwAR_query");
        var denied = await ClickAsync("?consent=denied");

        granted.IpAddress.ShouldBe("198.51.100.7");
        granted.UserAgent.ShouldBe("Mozilla/5.0 (buyer's phone)");
        granted.Fbc.ShouldBe("fb.1.1600000000000.IwAR_cookie");
        granted.Fbclid.ShouldBe("IwAR_query");
        denied.IpAddress.ShouldBeNull();
        denied.UserAgent.ShouldBeNull();
        denied.GoogleAnalyticsCookie.ShouldBe("GA1.1.1.2");
        denied.Fbp.ShouldBe("fb.1.1.2");
        denied.Ttp.ShouldBe("ttp_1");
        denied.Referrer.ShouldBe("https://news.example/");
    }

    [Test]
    public async Task A_client_past_its_limit_is_redirected_without_a_click()
    {
        await using var host = await StartAsync(new PaymentLinkRedirectOptions { PermitsPerClient = 2 });

        for (var i = 0; i < 3; i++)
        {
            var context = await host.SendFromAsync(IPAddress.Parse("198.51.100.7"), "GET", "/go/pro");
            context.Response.StatusCode.ShouldBe(StatusCodes.Status302Found);
        }

        await host.SendFromAsync(IPAddress.Parse("203.0.113.9"), "GET", "/go/pro");
        (await ClickRowsAsync(host)).ShouldBe(3);
    }

    [Test]
    public async Task Codes_and_a_reference_stripe_would_drop_are_left_out_without_a_warning_and_the_links_own_kept()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/go/pro?utm_source=bad%20value&client_reference_id=no%23hash");

        var query = Query(response.Headers.Location!);
        query.ShouldContainKey("utm_source", response.Headers.Location!.ToString());
        query["utm_source"].ShouldBe("configured");
        ClientReferenceCodec.Decode(query["client_reference_id"]).MerchantReference.ShouldBe("order_4711");
        host.Logs.Entries.ShouldNotContain(entry => entry.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }
}
