using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.AspNetCore;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// The thank-you page's limits hold against a client that rotates its IPv6 addresses or names its own address in
/// <c>X-Forwarded-For</c>, and no number of clients spends more than the ceiling of Stripe lookups.
/// </summary>
public sealed class ThankYouLimitTests
{
    private static async Task<long> VisitRowsAsync(EndpointHost host)
    {
        await using var connection = new SqliteConnection($"Data Source={host.LedgerPath}");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM payment_link_visits";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static string SessionId(int number) => string.Create(CultureInfo.InvariantCulture, $"cs_test_limit{number:D8}aBcDeFgH");

    [Test]
    public async Task Thirty_loads_from_one_ipv6_64_with_rotating_addresses_hit_the_limit_of_20()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou("/thanks"));

        var answers = new List<int>();
        for (var load = 1; load <= 30; load++)
        {
            var rotated = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"2001:db8:1:2:{load:x}:{load * 7:x}:{load * 13:x}:{load * 31:x}"));
            answers.Add((await host.SendFromAsync(rotated, "GET", "/thanks")).Response.StatusCode);
        }

        var neighbour = await host.SendFromAsync(IPAddress.Parse("2001:db8:1:3::1"), "GET", "/thanks");

        answers.Count(status => status == 200).ShouldBe(20);
        answers.Skip(20).ShouldAllBe(status => status == 429);
        neighbour.Response.StatusCode.ShouldBe(200);
    }

    [Test]
    public async Task An_ipv4_mapped_ipv6_address_counts_as_its_ipv4_address()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou(
            "/thanks", new PaymentLinkThankYouOptions { PermitsPerClient = 2, RateLimitWindow = TimeSpan.FromMinutes(5) }));

        var v4 = await host.SendFromAsync(IPAddress.Parse("198.51.100.7"), "GET", "/thanks");
        var mapped = await host.SendFromAsync(IPAddress.Parse("::ffff:198.51.100.7"), "GET", "/thanks");
        var third = await host.SendFromAsync(IPAddress.Parse("198.51.100.7"), "GET", "/thanks");

        (v4.Response.StatusCode, mapped.Response.StatusCode, third.Response.StatusCode).ShouldBe((200, 200, 429));
    }

    [Test]
    public async Task Rotating_x_forwarded_for_does_not_bypass_the_limit_of_an_app_that_reads_no_forwarded_headers()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkThankYou("/thanks"), kestrel: true);

        var answers = new List<HttpStatusCode>();
        for (var load = 1; load <= 30; load++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/thanks");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", string.Create(CultureInfo.InvariantCulture, $"203.0.113.{load}"));
            request.Headers.TryAddWithoutValidation("X-Real-IP", string.Create(CultureInfo.InvariantCulture, $"203.0.113.{load}"));
            request.Headers.TryAddWithoutValidation("Forwarded", string.Create(CultureInfo.InvariantCulture, $"for=203.0.113.{load}"));
            using var response = await host.Client.SendAsync(request);
            answers.Add(response.StatusCode);
        }

        answers.Count(status => status == HttpStatusCode.OK).ShouldBe(20);
        answers.Skip(20).ShouldAllBe(status => status == HttpStatusCode.TooManyRequests);
    }

    [Test]
    public async Task Rotating_x_forwarded_for_from_a_client_that_is_not_a_known_proxy_does_not_bypass_the_limit()
    {
        // UseForwardedHeaders with the default known proxies (loopback only): a remote client's header is ignored.
        await using var host = await EndpointHost.StartAsync(
            app =>
            {
                app.UseForwardedHeaders();
                app.MapPaymentLinkThankYou("/thanks");
            },
            builder => builder.Services.Configure<ForwardedHeadersOptions>(options => options.ForwardedHeaders = ForwardedHeaders.XForwardedFor));

        var answers = new List<int>();
        for (var load = 1; load <= 30; load++)
        {
            var context = await host.SendFromAsync(
                IPAddress.Parse("198.51.100.7"), "GET", "/thanks",
                request => request.Headers["X-Forwarded-For"] = string.Create(CultureInfo.InvariantCulture, $"203.0.113.{load}"));
            answers.Add(context.Response.StatusCode);
        }

        answers.Count(status => status == 200).ShouldBe(20);
        answers.Skip(20).ShouldAllBe(status => status == 429);
    }

    [Test]
    public async Task Past_the_ceiling_of_stripe_lookups_stripe_is_not_asked_and_unknown_sessions_are_not_verified_nor_stored()
    {
        await using var stripe = new LoopbackStripeServer(StripeAnswer.Error(404, "invalid_request_error", "resource_missing", "No such checkout.session"));
        var outcomes = new List<PaymentLinkThankYouOutcome>();
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions
            {
                StripeLookupsPerMinute = 3,
                Page = visit =>
                {
                    lock (outcomes)
                    {
                        outcomes.Add(visit.Outcome);
                    }

                    return Results.Text("Thank you");
                },
            }),
            builder => builder.Services.AddPaymentLinkStripeApi(),
            tracking: options =>
            {
                options.StripeApiKey = "rk_test_51H8notARealKey";
                options.StripeApiBase = new Uri(stripe.ApiBase);
            });

        // Each load from its own address: the per-client limit is not what stops them.
        for (var load = 1; load <= 8; load++)
        {
            var context = await host.SendFromAsync(
                IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"203.0.113.{load}")), "GET", "/thanks",
                request => request.QueryString = new QueryString($"?session_id={SessionId(load)}&utm_source=made_up"));
            context.Response.StatusCode.ShouldBe(200);
        }

        stripe.Requests.Count.ShouldBe(3);
        outcomes.ShouldBe([
            .. Enumerable.Repeat(PaymentLinkThankYouOutcome.UnknownSession, 3),
            .. Enumerable.Repeat(PaymentLinkThankYouOutcome.NotVerified, 5)]);
        (await VisitRowsAsync(host)).ShouldBe(0);
        host.Logs.Entries.Count(entry => entry.EventId.Name == "PaymentLinkStripeLookupCeilingReached").ShouldBe(1);

        // A session the webhook made known is still recorded past the ceiling, without Stripe's answer.
        var known = CheckoutEvents.ForNewSession();
        await host.Services.GetRequiredService<DbPaymentLinkLedger>().RecordAsync(known.Completed());
        var visit = await host.SendFromAsync(
            IPAddress.Parse("198.51.100.200"), "GET", "/thanks", request => request.QueryString = new QueryString($"?session_id={known.SessionId}&utm_source=newsletter"));

        visit.Response.StatusCode.ShouldBe(200);
        outcomes[^1].ShouldBe(PaymentLinkThankYouOutcome.FirstVisit);
        stripe.Requests.Count.ShouldBe(3);
        (await VisitRowsAsync(host)).ShouldBe(1);
    }
}
