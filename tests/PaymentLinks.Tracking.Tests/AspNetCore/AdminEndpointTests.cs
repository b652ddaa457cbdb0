using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

public sealed class AdminEndpointTests
{
    /// <summary>Records a paid session and parks it, as the worker does after its last failed try.</summary>
    internal static async Task<string> ParkAsync(IServiceProvider services, string error = "System.TimeoutException: The warehouse did not answer.")
    {
        var ledger = services.GetRequiredService<DbPaymentLinkLedger>();
        var session = CheckoutEvents.ForNewSession();
        await ledger.RecordAsync(session.Completed());
        // Other due sessions are claimed and given back until this one is held.
        var held = new List<string>();
        while ((await ledger.ClaimAsync("test-owner", TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldNotBeNull().SessionId is var claimed
            && claimed != session.SessionId)
        {
            held.Add(claimed);
        }

        foreach (var other in held)
        {
            await ledger.ReleaseAsync(other, "test-owner", CancellationToken.None);
        }

        await ledger.FailAsync(session.SessionId, "test-owner", null, DateTimeOffset.UtcNow, error, CancellationToken.None);
        return session.SessionId;
    }

    internal static StringContent EmptyJson() => new("{}", Encoding.UTF8, "application/json");

    [Test]
    public async Task Without_an_authorization_requirement_a_request_from_elsewhere_is_refused_and_a_warning_says_so()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"));

        var remote = await host.SendFromAsync(IPAddress.Parse("203.0.113.9"), "GET", "/admin/sessions");
        var local = await host.SendFromAsync(IPAddress.Loopback, "GET", "/admin/sessions");

        remote.Response.StatusCode.ShouldBe(403);
        local.Response.StatusCode.ShouldBe(200);
        host.Logs.Entries.ShouldContain(entry => entry.Message.Contains("(/admin) has no authorization requirement", StringComparison.Ordinal));
    }

    [Test]
    public async Task The_forwarding_outbox_is_listed_by_state_with_each_conversions_reason()
    {
        await using var host = await EndpointHost.StartAsync(
            app => app.MapPaymentLinkAdmin("/admin"),
            builder => builder.Services.AddPaymentLinkForwarding(options =>
            {
                options.Webhook.Url = new Uri("http://127.0.0.1:9/hooks");
                options.Webhook.Secret = "admin-conversions-test-secret-0123456789abcdef";
                options.RunWorker = false;
            }),
            kestrel: true);
        await host.Services.GetRequiredService<DbPaymentLinkLedger>().EnsureSchemaAsync(CancellationToken.None);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={host.LedgerPath}"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText =
                "INSERT INTO payment_link_forwarding (session_id, destination, kind, occurred_at, livemode, state, attempts, last_error, created_at, updated_at) VALUES " +
                "('cs_live_kept', 'meta', 'purchase', 0, 1, 'withheld', 1, 'Not sent to Meta: no customer information parameter', 0, 0), " +
                "('cs_live_sent', 'webhook', 'purchase', 0, 1, 'sent', 1, NULL, 0, 0)";
            await insert.ExecuteNonQueryAsync();
        }

        using var withheld = JsonDocument.Parse(await host.Client.GetStringAsync("/admin/conversions?state=withheld"));
        var conversion = withheld.RootElement.GetProperty("conversions").EnumerateArray().ShouldHaveSingleItem();
        conversion.GetProperty("session_id").GetString().ShouldBe("cs_live_kept");
        conversion.GetProperty("destination").GetString().ShouldBe("meta");
        conversion.GetProperty("state").GetString().ShouldBe("withheld");
        conversion.GetProperty("last_error").GetString().ShouldBe("Not sent to Meta: no customer information parameter");
        using var all = JsonDocument.Parse(await host.Client.GetStringAsync("/admin/conversions"));
        all.RootElement.GetProperty("conversions").GetArrayLength().ShouldBe(2);
        (await host.Client.GetAsync("/admin/conversions?state=lost")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task On_Kestrel_a_loopback_request_is_local_and_answered()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);

        using var response = await host.Client.GetAsync("/admin/status");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"parked_sessions\": 0");
    }

    [Test]
    public async Task With_an_authorization_requirement_a_request_without_the_token_is_401_and_with_it_200_from_anywhere()
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

        using var without = await host.Client.GetAsync("/admin/sessions");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/sessions");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BearerToken.Token);
        using var with = await host.Client.SendAsync(request);

        without.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        with.StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Logs.Entries.ShouldNotContain(entry => entry.Message.Contains("has no authorization requirement", StringComparison.Ordinal));
    }

    [Test]
    public async Task Parked_sessions_are_listed_with_their_error_but_no_email_retried_and_erased_over_http()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);
        var sessionId = await ParkAsync(host.Services);

        var list = await host.Client.GetStringAsync("/admin/sessions?state=parked");
        using (var json = JsonDocument.Parse(list))
        {
            var session = json.RootElement.GetProperty("sessions").EnumerateArray().ShouldHaveSingleItem();
            session.GetProperty("session_id").GetString().ShouldBe(sessionId);
            session.GetProperty("last_error").GetString().ShouldBe("System.TimeoutException: The warehouse did not answer.");
        }

        list.ShouldNotContain(SignedWebhooks.CustomerEmail);
        (await host.Client.GetAsync("/admin/sessions?state=nonsense")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        using var retried = await host.Client.PostAsync($"/admin/sessions/{sessionId}/retry", EmptyJson());
        retried.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.Client.PostAsync($"/admin/sessions/{sessionId}/retry", EmptyJson())).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await host.Client.GetStringAsync("/admin/sessions?state=pending")).ShouldContain(sessionId);
        await ParkAsync(host.Services);
        (await (await host.Client.PostAsync("/admin/sessions/retry-parked", EmptyJson())).Content.ReadAsStringAsync()).ShouldContain("\"retried\": 1");

        using var erase = await host.Client.PostAsync(
            "/admin/erase", new StringContent($$"""{"email": "{{SignedWebhooks.CustomerEmail}}"}""", Encoding.UTF8, "application/json"));
        (await erase.Content.ReadAsStringAsync()).ShouldContain("\"erased_sessions\": 2");
        (await host.Services.GetRequiredService<IPaymentLinkLedger>().FindSessionAsync(sessionId))!.CustomerEmail.ShouldBeNull();
        (await host.Client.PostAsync("/admin/erase", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Refused_catch_up_events_are_listed_over_http_with_their_reason_but_not_their_json()
    {
        await using var host = await EndpointHost.StartAsync(app => app.MapPaymentLinkAdmin("/admin"), kestrel: true);
        var ledger = host.Services.GetRequiredService<DbPaymentLinkLedger>();
        var created = DateTimeOffset.FromUnixTimeSeconds(1764000000);
        foreach (var number in new[] { 1, 2 })
        {
            await ledger.RecordRefusedCatchUpEventAsync(
                new RefusedCatchUpEvent(
                    $"evt_unreadable_{number}",
                    "checkout.session.completed",
                    created,
                    nameof(PaymentLinkWebhookRejection.NotAnEvent),
                    "{\"id\": \"evt_unreadable_" + number + "\", \"data\": {\"object\": {\"customer_details\": {\"email\": \"" + SignedWebhooks.CustomerEmail + "\"}}}}"),
                CancellationToken.None);
        }

        var list = await host.Client.GetStringAsync("/admin/catch-up/refused");

        using (var json = JsonDocument.Parse(list))
        {
            var refused = json.RootElement.GetProperty("refused_events").EnumerateArray().ToList();
            refused.Select(e => e.GetProperty("event_id").GetString()).ShouldBe(["evt_unreadable_1", "evt_unreadable_2"], ignoreOrder: true);
            refused.ShouldAllBe(e => e.GetProperty("reason").GetString() == "NotAnEvent" && e.GetProperty("event_type").GetString() == "checkout.session.completed");
            refused[0].GetProperty("created").GetDateTimeOffset().ShouldBe(created);
            refused[0].GetProperty("refused_at").ValueKind.ShouldBe(JsonValueKind.String);
        }

        list.ShouldNotContain(SignedWebhooks.CustomerEmail);
        using (var one = JsonDocument.Parse(await host.Client.GetStringAsync("/admin/catch-up/refused?limit=1")))
        {
            one.RootElement.GetProperty("refused_events").GetArrayLength().ShouldBe(1);
        }

        (await host.Client.GetAsync("/admin/catch-up/refused?limit=0")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await host.Client.GetAsync("/admin/catch-up/refused?limit=1001")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await host.Client.GetStringAsync("/admin/status")).ShouldContain("\"refused_catch_up_events\": 2");
    }
}
