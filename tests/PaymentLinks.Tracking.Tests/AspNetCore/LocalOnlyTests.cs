using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// The report and admin endpoints without an authorization requirement answer local requests only: from a loopback
/// connection, with no proxy's forwarding header, to a loopback <c>Host</c>. A same-host reverse proxy, a forged
/// <c>X-Forwarded-For</c> trusted by <c>UseForwardedHeaders</c> and a rebound DNS name all stay outside.
/// </summary>
public sealed class LocalOnlyTests
{
    private static readonly string[] Paths = ["/admin/sessions", "/report?format=json"];

    private static void MapBoth(WebApplication app)
    {
        app.MapPaymentLinkAdmin("/admin");
        app.MapPaymentLinkReport("/report");
        app.MapPaymentLinkThankYou("/thanks");
    }

    /// <summary>The forwarded headers as <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> sets them: every proxy trusted.</summary>
    private static void TrustEveryProxy(WebApplicationBuilder builder) =>
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });

    [Test]
    public async Task A_plain_local_request_is_answered()
    {
        await using var host = await EndpointHost.StartAsync(MapBoth, kestrel: true);

        foreach (var path in Paths)
        {
            using var response = await host.Client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
    }

    [Test]
    public async Task A_request_through_a_reverse_proxy_on_the_same_host_is_refused()
    {
        await using var host = await EndpointHost.StartAsync(MapBoth, kestrel: true);
        await using var proxy = await LoopbackReverseProxy.StartAsync(host.Client.BaseAddress!);

        foreach (var path in Paths)
        {
            using var response = await proxy.Client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        }

        // The proxy itself works: the public page behind it answers, and the same request sent directly is answered.
        using var thanks = await proxy.Client.GetAsync("/thanks");
        thanks.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var direct = await host.Client.GetAsync(Paths[0]);
        direct.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Test]
    public async Task With_every_proxy_trusted_a_forged_forwarded_for_of_127_0_0_1_is_refused_over_http()
    {
        await using var host = await EndpointHost.StartAsync(
            app =>
            {
                app.UseForwardedHeaders();
                MapBoth(app);
            },
            TrustEveryProxy,
            kestrel: true);

        foreach (var path in Paths)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
            using var response = await host.Client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        }
    }

    [Test]
    public async Task With_every_proxy_trusted_a_remote_client_is_not_laundered_into_127_0_0_1()
    {
        await using var host = await EndpointHost.StartAsync(
            app =>
            {
                app.UseForwardedHeaders();
                MapBoth(app);
            },
            TrustEveryProxy);
        string? seenRemote = null;

        foreach (var path in new[] { "/admin/sessions", "/report" })
        {
            var context = await host.SendFromAsync(IPAddress.Parse("203.0.113.9"), "GET", path, request => request.Headers["X-Forwarded-For"] = "127.0.0.1");
            seenRemote = context.Connection.RemoteIpAddress?.ToString();
            context.Response.StatusCode.ShouldBe(403, path);
        }

        // The middleware did rewrite the address: the rule looked past it.
        seenRemote.ShouldBe("127.0.0.1");
    }

    [TestCase("rebound.evil.example")]
    [TestCase("rebound.evil.example:5000")]
    [TestCase("localhost.evil.example")]
    [TestCase("127.0.0.1.nip.io")]
    public async Task A_loopback_request_for_another_host_name_is_refused_as_dns_rebinding(string hostName)
    {
        await using var host = await EndpointHost.StartAsync(MapBoth, kestrel: true);

        foreach (var path in Paths)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = hostName;
            using var response = await host.Client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        }
    }

    [TestCase("localhost")]
    [TestCase("LOCALHOST:8080")]
    [TestCase("127.0.0.1:5000")]
    [TestCase("127.10.20.30")]
    [TestCase("[::1]:8080")]
    public async Task A_loopback_request_for_a_loopback_host_is_answered(string hostName)
    {
        await using var host = await EndpointHost.StartAsync(MapBoth);

        var context = await host.SendFromAsync(IPAddress.Loopback, "GET", "/admin/sessions", request => request.Host = new Microsoft.AspNetCore.Http.HostString(hostName));

        context.Response.StatusCode.ShouldBe(200);
    }

    [TestCase("Forwarded", "for=198.51.100.7")]
    [TestCase("X-Real-IP", "198.51.100.7")]
    [TestCase("X-Forwarded-Host", "shop.example")]
    [TestCase("X-Forwarded-Proto", "https")]
    [TestCase("X-Original-For", "198.51.100.7:50123")]
    public async Task A_loopback_request_with_a_forwarding_header_is_refused(string name, string value)
    {
        await using var host = await EndpointHost.StartAsync(MapBoth);

        var context = await host.SendFromAsync(IPAddress.Loopback, "GET", "/admin/sessions", request => request.Headers[name] = value);

        context.Response.StatusCode.ShouldBe(403);
    }

    [Test]
    public async Task Outside_development_a_warning_at_start_up_names_each_endpoint_left_without_authorization()
    {
        await using var host = await EndpointHost.StartAsync(MapBoth, environment: "Production");

        var warnings = host.Logs.Entries.Where(entry => entry.Level == LogLevel.Warning).Select(entry => entry.Message).ToList();
        warnings.ShouldContain(message => message.StartsWith("The payment-link admin API (/admin) has no authorization requirement", StringComparison.Ordinal));
        warnings.ShouldContain(message => message.StartsWith("The payment-link report (/report) has no authorization requirement", StringComparison.Ordinal));
    }

    [Test]
    public async Task In_development_the_endpoints_left_without_authorization_are_named_without_a_warning()
    {
        await using var host = await EndpointHost.StartAsync(MapBoth, environment: "Development");

        host.Logs.Entries.ShouldNotContain(entry => entry.Level == LogLevel.Warning && entry.Message.Contains("no authorization requirement", StringComparison.Ordinal));
        host.Logs.Entries.ShouldContain(entry => entry.Level == LogLevel.Information
            && entry.Message.StartsWith("The payment-link admin API (/admin) has no authorization requirement", StringComparison.Ordinal));
    }
}
