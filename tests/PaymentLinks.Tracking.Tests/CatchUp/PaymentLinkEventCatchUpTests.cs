using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.StripeApi;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.CatchUp;

public class PaymentLinkEventCatchUpTests
{
    private const string ApiKey = "rk_test_51PgcCatchUpKey000000000000000000";

    private static readonly DateTimeOffset Now = SignedWebhooks.Now;
    private static readonly DateTimeOffset Since = Now.AddDays(-3);

    private static readonly string[] Types =
    [
        "checkout.session.completed", "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed", "checkout.session.expired",
        "charge.refunded", "charge.refund.updated", "charge.dispute.created", "charge.dispute.closed",
        "invoice.paid", "invoice_payment.paid",
    ];

    private static readonly string[] CheckoutTypes = Types[..4];

    /// <summary>An event of a checkout.session type, numbered so that ids sort as they were created.</summary>
    private static JsonObject CheckoutEvent(int number, DateTimeOffset created, string? type = null)
    {
        var session = SignedWebhooks.CompletedSession();
        session["id"] = string.Create(CultureInfo.InvariantCulture, $"cs_test_{number:D6}");
        return SignedWebhooks.Envelope(
            type ?? CheckoutTypes[number % CheckoutTypes.Length],
            session,
            id: string.Create(CultureInfo.InvariantCulture, $"evt_{number:D6}"),
            created: created.ToUnixTimeSeconds());
    }

    /// <summary>Events 1..count, two a minute (so that pairs share a second), the last an hour ago.</summary>
    private static List<JsonObject> AddEvents(LoopbackEventsApi api, int count, int first = 1)
    {
        var events = new List<JsonObject>();
        for (var number = first; number < first + count; number++)
        {
            var stripeEvent = CheckoutEvent(number, Now.AddHours(-1).AddMinutes((number - count) / 2));
            api.Add(stripeEvent);
            events.Add(stripeEvent);
        }

        return events;
    }

    private static PaymentLinkEventCatchUp CatchUp(LoopbackEventsApi api, int maxNetworkRetries = 0, int pageSize = 100) =>
        new(api.Server.CreateClient(ApiKey, maxNetworkRetries), new FakeTimeProvider(Now)) { PageSize = pageSize };

    private static async Task<List<PaymentLinkEvent>> ListAllAsync(PaymentLinkEventCatchUp catchUp, DateTimeOffset since)
    {
        var listed = new List<PaymentLinkEvent>();
        await foreach (var stripeEvent in catchUp.ListAsync(since))
        {
            listed.Add(stripeEvent);
        }

        return listed;
    }

    private static IEnumerable<string> Ids(IEnumerable<JsonObject> events) => events.Select(e => (string)e["id"]!);

    [Test]
    public async Task Lists_every_event_across_several_pages_once_and_oldest_first()
    {
        await using var api = new LoopbackEventsApi();
        var events = AddEvents(api, 250);

        var listed = await ListAllAsync(CatchUp(api), Since);

        listed.Select(e => e.EventId).ShouldBe(Ids(events));
        listed.Select(e => e.Created).ShouldBeInOrder(SortDirection.Ascending);
        listed[0].Kind.ShouldBe(PaymentLinkEventKind.AsyncPaymentSucceeded);
        listed[0].Checkout!.SessionId.ShouldBe("cs_test_000001");
        listed[0].Checkout!.ClientReferenceId.ShouldBe(SignedWebhooks.ClientReferenceId);
        listed[^1].Kind.ShouldBe(PaymentLinkEventKind.AsyncPaymentFailed);

        // Back through three pages to the oldest, then forward through the two newer ones.
        var sent = api.Server.Requests;
        sent.Count.ShouldBe(5);
        sent.Select(r => r.Query["starting_after"]).ShouldBe([null, "evt_000151", "evt_000051", null, null]);
        sent.Select(r => r.Query["ending_before"]).ShouldBe([null, null, null, "evt_000050", "evt_000150"]);
    }

    [Test]
    public async Task Asks_for_the_checkout_refund_dispute_and_invoice_types_created_since_the_point_in_pages_of_100()
    {
        await using var api = new LoopbackEventsApi();
        AddEvents(api, 3);

        await ListAllAsync(new PaymentLinkEventCatchUp(api.Server.CreateClient(ApiKey), new FakeTimeProvider(Now)), Since);

        var first = api.Server.Requests[0];
        first.Method.ShouldBe("GET");
        first.Path.ShouldBe("/v1/events");
        first.Headers["Authorization"].ShouldBe($"Bearer {ApiKey}");
        Enumerable.Range(0, Types.Length).Select(i => first.Query[$"types[{i}]"]).ShouldBe(Types);
        first.Query[$"types[{Types.Length}]"].ShouldBeNull();
        first.Query["created[gte]"].ShouldBe(Since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        first.Query["limit"].ShouldBe("100");
        PaymentLinkEventCatchUp.EventTypes.ShouldBe(Types);
    }

    [Test]
    public async Task Leaves_out_events_created_before_the_point()
    {
        await using var api = new LoopbackEventsApi();
        var events = AddEvents(api, 10);
        var since = DateTimeOffset.FromUnixTimeSeconds((long)events[5]["created"]!);

        var listed = await ListAllAsync(CatchUp(api, pageSize: 3), since);

        listed.Select(e => e.EventId).ShouldBe(Ids(events.Where(e => (long)e["created"]! >= since.ToUnixTimeSeconds())));
        listed[0].EventId.ShouldBe("evt_000005"); // created in the same second as evt_000006
    }

    [Test]
    public async Task Lists_nothing_when_stripe_has_no_events()
    {
        await using var api = new LoopbackEventsApi();

        (await ListAllAsync(CatchUp(api), Since)).ShouldBeEmpty();
        api.Server.Requests.Count.ShouldBe(1);
    }

    [Test]
    public async Task Events_created_while_listing_come_last()
    {
        await using var api = new LoopbackEventsApi();
        var events = AddEvents(api, 25);
        var later = new List<JsonObject>();
        api.Override = number =>
        {
            // Between the walk back and the walk forward, two more events happen.
            if (number == 3)
            {
                later.AddRange(AddEvents(api, 2, first: 26));
            }

            return null;
        };

        var listed = await ListAllAsync(CatchUp(api, pageSize: 10), Since);

        listed.Select(e => e.EventId).ShouldBe(Ids(events.Concat(later)));
    }

    [Test]
    public async Task Skips_an_event_of_a_type_the_library_ignores()
    {
        await using var api = new LoopbackEventsApi { FiltersTypes = false };
        var events = AddEvents(api, 4);
        api.Add(SignedWebhooks.Envelope("payment_intent.succeeded", new JsonObject { ["id"] = "pi_1", ["object"] = "payment_intent" }, id: "evt_ignored", created: Now.AddMinutes(-5).ToUnixTimeSeconds()));

        var listed = await ListAllAsync(CatchUp(api, pageSize: 2), Since);

        listed.Select(e => e.EventId).ShouldBe(Ids(events));
    }

    [Test]
    public async Task Retries_a_429_through_stripe_net_and_then_lists_everything()
    {
        await using var api = new LoopbackEventsApi();
        var events = AddEvents(api, 5);
        api.Override = number => number == 2
            ? StripeAnswer.Error(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.") with
            {
                Headers = new Dictionary<string, string> { ["Stripe-Should-Retry"] = "true" },
            }
            : null;

        var listed = await ListAllAsync(CatchUp(api, maxNetworkRetries: 1, pageSize: 2), Since);

        listed.Select(e => e.EventId).ShouldBe(Ids(events));
        api.Server.Requests[1].Target.ShouldBe(api.Server.Requests[2].Target);
    }

    [Test]
    public async Task A_401_is_a_clear_error_without_the_key()
    {
        await using var api = new LoopbackEventsApi();
        AddEvents(api, 5);
        api.Override = _ => StripeAnswer.Error(401, "invalid_request_error", null, "Invalid API Key provided: rk_test_****0000");

        var refused = await Should.ThrowAsync<StripeRequestException>(() => ListAllAsync(CatchUp(api), Since));

        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Message.ShouldStartWith("Stripe did not list the events: Stripe answered 401");
        refused.Message.ShouldContain("Invalid API Key provided");
        refused.Message.ShouldNotContain(ApiKey);
        refused.Message.ShouldNotContain("rk_test_");
        refused.ToString().ShouldNotContain("rk_test_");
    }

    [TestCase(500, "<html>Jenny Rosen jenny.rosen@example.com</html>")]
    [TestCase(502, "jenny.rosen@example.com")]
    [TestCase(200, "{\"customer_email\": \"jenny.rosen@example.com\"")]
    [TestCase(200, "{\"object\": \"list\", \"data\": {\"email\": \"jenny.rosen@example.com\"}, \"has_more\": false}")]
    [TestCase(200, "{\"object\": \"list\", \"data\": [{\"email\": \"jenny.rosen@example.com\"}], \"has_more\": false}")]
    public async Task An_answer_that_is_not_a_list_of_events_is_an_error_that_copies_nothing_of_it(int status, string body)
    {
        await using var api = new LoopbackEventsApi();
        api.Override = _ => new StripeAnswer(status, body);

        var refused = await Should.ThrowAsync<StripeRequestException>(() => ListAllAsync(CatchUp(api), Since));

        refused.Message.ShouldStartWith("Stripe did not list the events: ");
        refused.ToString().ShouldNotContain("jenny");
    }

    [Test]
    public async Task A_listed_event_that_cannot_be_read_stops_the_listing_with_its_id()
    {
        await using var api = new LoopbackEventsApi();
        var events = AddEvents(api, 3);
        events[1].Remove("data");

        var listed = new List<string>();
        var refused = await Should.ThrowAsync<StripeRequestException>(async () =>
        {
            await foreach (var stripeEvent in CatchUp(api).ListAsync(Since))
            {
                listed.Add(stripeEvent.EventId);
            }
        });

        refused.Message.ShouldBe("Stripe did not list the events: event evt_000002 cannot be read as an event (NotAnEvent).");
        listed.ShouldBe(["evt_000001"]);
    }

    [TestCase(0)]
    [TestCase(600)]
    public async Task A_server_that_dies_mid_listing_leaves_what_was_recorded_and_the_watermark_no_further(int bytesBeforeDeath)
    {
        await using var api = new LoopbackEventsApi();
        var events = AddEvents(api, 25);
        var died = false;

        // Three pages back, the oldest handed out, the next page forward is cut and the server stays dead.
        api.Override = number => died || number == 5 ? Die() : null;
        StripeAnswer Die()
        {
            died = true;
            return new StripeAnswer(200, new string(' ', 4096)) { CutAfterBytes = bytesBeforeDeath };
        }

        var recorded = new Dictionary<string, PaymentLinkEvent>();
        var watermark = Since;
        var stopped = await Should.ThrowAsync<StripeRequestException>(async () =>
        {
            await foreach (var stripeEvent in CatchUp(api, pageSize: 10).ListAsync(watermark))
            {
                recorded[stripeEvent.EventId] = stripeEvent;
                watermark = stripeEvent.Created;
            }
        });

        stopped.Message.ShouldStartWith("Stripe did not list the events: Stripe could not be reached or broke off its answer");
        recorded.Keys.ShouldBe(Ids(events.Take(5)).Concat(Ids(events.Skip(5).Take(10))), ignoreOrder: true);
        watermark.ShouldBe(recorded["evt_000015"].Created);

        // The next run, from the watermark, fills the rest: nothing before the watermark was left unrecorded.
        died = false;
        api.Override = null;
        await foreach (var stripeEvent in CatchUp(api, pageSize: 10).ListAsync(watermark))
        {
            stripeEvent.Created.ShouldBeGreaterThanOrEqualTo(watermark);
            recorded[stripeEvent.EventId] = stripeEvent;
        }

        recorded.Keys.ShouldBe(Ids(events), ignoreOrder: true);
    }

    [TestCase(-30 * 24 * 3600 - 1, true)]
    [TestCase(-30 * 24 * 3600, false)]
    [TestCase(-29 * 24 * 3600, false)]
    [TestCase(0, false)]
    [TestCase(3600, false)]
    public async Task A_point_older_than_stripes_30_days_is_refused_before_any_request(int secondsFromNow, bool refused)
    {
        await using var api = new LoopbackEventsApi();
        var since = Now.AddSeconds(secondsFromNow);

        if (refused)
        {
            var error = Should.Throw<ArgumentOutOfRangeException>(() => CatchUp(api).ListAsync(since));
            error.ParamName.ShouldBe("since");
            error.Message.ShouldContain("Stripe keeps events for 30 days");
            error.Message.ShouldContain("2026-10-24 12:00:00Z");
            api.Server.Requests.ShouldBeEmpty();
        }
        else
        {
            (await ListAllAsync(CatchUp(api), since)).ShouldBeEmpty();
            api.Server.Requests.Count.ShouldBe(1);
        }
    }

    [Test]
    public void The_thirty_days_are_counted_on_the_given_clock()
    {
        var clock = new FakeTimeProvider(Now);
        var catchUp = new PaymentLinkEventCatchUp(LoopbackStripeServer.CreateClient("http://127.0.0.1:9", ApiKey), clock);
        var since = Now.AddDays(-20);
        _ = catchUp.ListAsync(since);

        clock.Advance(TimeSpan.FromDays(11));

        Should.Throw<ArgumentOutOfRangeException>(() => catchUp.ListAsync(since));
    }
}
