using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.AspNetCore;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// The admin API's requests that change state take JSON only and refuse a page of another origin, whether the request
/// is local or authorized: a form, a plain-text request or a cross-site fetch from another site's page changes nothing.
/// </summary>
public sealed class AdminWriteTests
{
    private static HttpRequestMessage Post(string path, HttpContent? content, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        }

        return request;
    }

    private static StringContent EraseBody(string mediaType) =>
        new($$"""{"email": "{{SignedWebhooks.CustomerEmail}}"}""", Encoding.UTF8, mediaType);

    private static async Task<IReadOnlyList<string>> ParkedAsync(EndpointHost host) =>
        (await host.Services.GetRequiredService<IPaymentLinkAdmin>().ListSessionsAsync(PaymentLinkSessionState.Parked, 100)).Select(s => s.SessionId).ToList();

    private static async Task<string?> EmailOfAsync(EndpointHost host, string sessionId) =>
        (await host.Services.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(sessionId))!.CustomerEmail;

    [TestCase("text/plain", "https://evil.example", null)]
    [TestCase("application/x-www-form-urlencoded", "https://evil.example", "cross-site")]
    [TestCase("application/json", "https://evil.example", "cross-site")]
    [TestCase("application/json", "null", null)]
    [TestCase("application/json", null, "cross-site")]
    [TestCase("application/json", null, "same-site")]
    [TestCase("text/plain", null, null)]
    public async Task An_erase_from_another_origin_or_not_in_json_is_refused_and_nothing_is_erased(string mediaType, string? origin, string? fetchSite)
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);
        var sessionId = await AdminEndpointTests.ParkAsync(host.Services);

        using var response = await host.Client.SendAsync(Post("/admin/erase", EraseBody(mediaType), origin, fetchSite));

        response.StatusCode.ShouldBeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.UnsupportedMediaType);
        if (origin is not null || fetchSite is not null)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        else
        {
            response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        }

        (await EmailOfAsync(host, sessionId)).ShouldBe(SignedWebhooks.CustomerEmail);
    }

    [Test]
    public async Task The_reports_rebuild_works_the_ledgers_sessions_out_again_takes_json_only_and_refuses_another_origin()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);
        await AdminEndpointTests.ParkAsync(host.Services);

        using var crossSite = await host.Client.SendAsync(Post("/admin/report/rebuild", new StringContent("{}", Encoding.UTF8, "application/json"), "https://evil.example"));
        using var form = await host.Client.SendAsync(Post("/admin/report/rebuild", new StringContent("since=2026-01-01", Encoding.UTF8, "application/x-www-form-urlencoded")));
        using var badSince = await host.Client.SendAsync(Post("/admin/report/rebuild", new StringContent("""{"since": "soon"}""", Encoding.UTF8, "application/json")));
        using var all = await host.Client.SendAsync(Post("/admin/report/rebuild", new StringContent("{}", Encoding.UTF8, "application/json")));
        using var recent = await host.Client.SendAsync(Post("/admin/report/rebuild", new StringContent("""{"since": "2999-01-01"}""", Encoding.UTF8, "application/json")));

        (crossSite.StatusCode, form.StatusCode, badSince.StatusCode).ShouldBe((HttpStatusCode.Forbidden, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest));
        all.StatusCode.ShouldBe(HttpStatusCode.OK);
        Rebuilt(await all.Content.ReadAsStringAsync()).ShouldBe(1);
        Rebuilt(await recent.Content.ReadAsStringAsync()).ShouldBe(0);

        static long Rebuilt(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("rebuilt").GetInt64();
    }

    [Test]
    public async Task An_erase_from_another_origin_is_refused_even_with_the_operators_token()
    {
        await using var host = await EndpointHost.StartAsync(
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapPaymentLinkAdmin("/admin").RequireAuthorization();
            },
            builder =>
            {
                builder.Services.AddAuthentication(BearerToken.Name).AddScheme<AuthenticationSchemeOptions, BearerToken>(BearerToken.Name, null);
                builder.Services.AddAuthorization();
            },
            kestrel: true);
        var sessionId = await AdminEndpointTests.ParkAsync(host.Services);
        using var request = Post("/admin/erase", EraseBody("application/json"), "https://evil.example", "cross-site");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BearerToken.Token);

        using var response = await host.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await EmailOfAsync(host, sessionId)).ShouldBe(SignedWebhooks.CustomerEmail);
    }

    [Test]
    public async Task Retrying_the_parked_sessions_with_no_body_is_415_and_they_stay_parked()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);
        var sessionId = await AdminEndpointTests.ParkAsync(host.Services);

        using var empty = await host.Client.SendAsync(Post("/admin/sessions/retry-parked", null));
        using var plain = await host.Client.SendAsync(Post("/admin/sessions/retry-parked", new StringContent("{}", Encoding.UTF8, "text/plain")));
        using var one = await host.Client.SendAsync(Post($"/admin/sessions/{sessionId}/retry", null));
        using var notAnObject = await host.Client.SendAsync(Post("/admin/sessions/retry-parked", new StringContent("[]", Encoding.UTF8, "application/json")));

        empty.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        plain.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        one.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        notAnObject.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ParkedAsync(host)).ShouldBe([sessionId]);

        using var json = await host.Client.SendAsync(Post("/admin/sessions/retry-parked", AdminEndpointTests.EmptyJson()));
        json.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ParkedAsync(host)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_page_of_the_apis_own_origin_may_erase()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);
        var sessionId = await AdminEndpointTests.ParkAsync(host.Services);
        var own = host.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

        using var response = await host.Client.SendAsync(Post("/admin/erase", EraseBody("application/json"), own, "same-origin"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await EmailOfAsync(host, sessionId)).ShouldBeNull();
    }

    [Test]
    public async Task An_allowed_origin_may_retry_from_another_site_and_an_origin_not_listed_may_not()
    {
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkAdmin("/admin", new PaymentLinkAdminOptions { AllowedOrigins = { "https://ops.example.com/" } }),
            kestrel: true);
        var sessionId = await AdminEndpointTests.ParkAsync(host.Services);

        using var other = await host.Client.SendAsync(Post("/admin/sessions/retry-parked", AdminEndpointTests.EmptyJson(), "https://ops.example.com:8443", "cross-site"));
        other.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ParkedAsync(host)).ShouldBe([sessionId]);

        using var listed = await host.Client.SendAsync(Post("/admin/sessions/retry-parked", AdminEndpointTests.EmptyJson(), "https://OPS.example.com", "cross-site"));
        listed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ParkedAsync(host)).ShouldBeEmpty();
    }

    [TestCase("ops.example.com")]
    [TestCase("https://ops.example.com/admin")]
    [TestCase("ftp://ops.example.com")]
    public async Task An_allowed_origin_that_is_not_an_origin_stops_the_mapping(string origin)
    {
        var exception = await Should.ThrowAsync<ArgumentException>(() => EndpointHost.StartAsync(
            app => app.MapPaymentLinkAdmin("/admin", new PaymentLinkAdminOptions { AllowedOrigins = { origin } })));

        exception.Message.ShouldContain(origin);
    }
}
