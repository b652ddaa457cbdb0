using System.Net;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// Two WebhookReceiver processes on two ports against one PostgreSQL, configured through the environment as the
/// samples document: each paid session is fulfilled once, whichever instance Stripe delivers to, and a server that is
/// down gets a 503, never a 200.
/// </summary>
[NonParallelizable]
public sealed class WebhookReceiverOnPostgreSqlTests
{
    [Test]
    public async Task Two_instances_on_one_postgresql_fulfil_each_paid_session_once()
    {
        var server = PostgreSqlServer.Require();
        var schema = PostgreSqlServer.NewSchema();
        var environment = Environment(server, schema);
        using var first = await RunningReceiver.StartAsync(environment);
        using var second = await RunningReceiver.StartAsync(environment);
        var sessions = Enumerable.Range(0, 10).Select(_ => CheckoutEventBodies.ForNewSession()).ToList();

        // Each event to both instances at once, as Stripe's retries and a load balancer can make it.
        var responses = await Task.WhenAll(sessions.SelectMany(session => new[] { first, second }.Select(async receiver =>
        {
            using var response = await receiver.Post(session.Body, SignedWebhooks.Header(session.Body, RunningReceiver.Now()));
            return response.StatusCode;
        })));

        responses.ShouldAllBe(status => status == HttpStatusCode.OK);
        foreach (var session in sessions)
        {
            await WaitForEither(first, second, $"Fulfilling session {session.SessionId}");
        }

        await Task.Delay(1000);
        foreach (var session in sessions)
        {
            (first.Count($"Fulfilling session {session.SessionId}") + second.Count($"Fulfilling session {session.SessionId}")).ShouldBe(1);
        }

        (first.Output + second.Output).ShouldNotContain(PostgreSqlServer.Password);
        await server.DropSchemaAsync(schema);
    }

    [Test]
    public async Task A_stopped_server_gets_503_and_the_retry_once_it_is_back_is_stored_and_fulfilled_once()
    {
        var server = PostgreSqlServer.Require();
        if (!server.IsThrowaway)
        {
            Assert.Ignore($"Stopping the server needs the throwaway one; {PostgreSqlServer.EnvironmentVariable} names another.");
        }

        var schema = PostgreSqlServer.NewSchema();
        using var receiver = await RunningReceiver.StartAsync(Environment(server, schema));
        var session = CheckoutEventBodies.ForNewSession();

        server.Stop();
        HttpStatusCode down;
        try
        {
            using var response = await receiver.Post(session.Body, SignedWebhooks.Header(session.Body, RunningReceiver.Now()));
            down = response.StatusCode;
        }
        finally
        {
            server.Restart();
        }

        using var retried = await receiver.Post(session.Body, SignedWebhooks.Header(session.Body, RunningReceiver.Now()));

        down.ShouldBe(HttpStatusCode.ServiceUnavailable);
        retried.StatusCode.ShouldBe(HttpStatusCode.OK);
        await receiver.WaitForOutput($"Fulfilling session {session.SessionId}");
        receiver.Output.ShouldNotContain(PostgreSqlServer.Password);
        await server.DropSchemaAsync(schema);
    }

    private static Dictionary<string, string> Environment(PostgreSqlServer server, string schema) => new()
    {
        ["PaymentLinkTracking__Ledger__Provider"] = "PostgreSql",
        ["PaymentLinkTracking__Ledger__Schema"] = schema,
        ["ConnectionStrings__PaymentLinkLedger"] = server.ConnectionString,
    };

    private static async Task WaitForEither(RunningReceiver first, RunningReceiver second, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (first.Count(text) + second.Count(text) == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException($"Neither instance logged '{text}'.\n{first.Output}\n{second.Output}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A signed-ready completed, paid event body for a new session, as Stripe sends it.</summary>
internal sealed record CheckoutEventBodies(string SessionId, byte[] Body)
{
    public static CheckoutEventBodies ForNewSession()
    {
        var sessionId = $"cs_test_{Guid.NewGuid():N}";
        var session = SignedWebhooks.CompletedSession();
        session["id"] = sessionId;
        return new(sessionId, SignedWebhooks.Body(SignedWebhooks.Envelope("checkout.session.completed", session, CheckoutEvents.NewEventId())));
    }
}
