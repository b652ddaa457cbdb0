using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ledger's admin API (<see cref="IPaymentLinkAdmin"/>) onto an ASP.NET Core app.</summary>
public static class PaymentLinkAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin API under <paramref name="pattern"/>, as JSON:
    /// <c>GET sessions?state=parked|pending|fulfilled&amp;limit=100</c> (each session with its last error; never the
    /// customer's email), <c>POST sessions/{sessionId}/retry</c>, <c>POST sessions/retry-parked</c>,
    /// <c>POST erase</c> with a JSON body <c>{"email": "..."}</c> or <c>{"session_id": "cs_..."}</c> (in the body, so
    /// that the address stays out of URLs and access logs), <c>GET catch-up/refused?limit=100</c> (the events catch-up
    /// could not read: id, type, times and reason, without the event's JSON, which can name the customer; find it by id
    /// in Stripe's Dashboard or through <see cref="IPaymentLinkAdmin.ListRefusedCatchUpEventsAsync"/>),
    /// <c>GET status</c> (the counts the health check reports), <c>POST report/rebuild</c> with a JSON body <c>{}</c> or
    /// <c>{"since": "2026-11-01"}</c> (works the report's aggregates out again from the ledger while webhooks keep
    /// coming: <see cref="IPaymentLinkAdmin.RebuildReportAsync"/>), and, with forwarding registered,
    /// <c>GET conversions?state=pending|sent|failed|dead|too_old|withheld&amp;limit=100</c> (the forwarding outbox, newest
    /// first, each conversion with the destination's or the worker's reason, as <c>forwarding list</c> shows them).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Until an authorization requirement is attached (<c>.RequireAuthorization(...)</c> on the returned builder), the
    /// endpoints answer local requests only (<c>403</c> to others: a local request comes from a loopback connection,
    /// carries no proxy's forwarding header and names a loopback <c>Host</c>) and a warning is logged at start-up.
    /// Needs a ledger (<c>.AddSqliteLedger(...)</c> or <c>.AddPostgreSqlLedger(...)</c>).
    /// </para>
    /// <para>
    /// The <c>POST</c> endpoints take a JSON body only (<c>Content-Type: application/json</c>; <c>{}</c> where there is
    /// nothing to say): any other body, or none, is answered <c>415</c>, so that a form or a plain-text request another
    /// site's page makes the browser send never changes anything. They also refuse (<c>403</c>) a request whose
    /// <c>Origin</c> is not the request's own (nor one of <see cref="PaymentLinkAdminOptions.AllowedOrigins"/>), or whose
    /// <c>Sec-Fetch-Site</c> is <c>cross-site</c> or <c>same-site</c>, whether the request is local or authorized.
    /// </para>
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The prefix, such as <c>/admin</c>.</param>
    /// <param name="options">The origins besides the API's own whose pages may change state; the defaults when <see langword="null"/>.</param>
    /// <returns>The group's convention builder: chain <c>.RequireAuthorization(...)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An allowed origin is not an origin (<c>https://host[:port]</c>, without a path).</exception>
    /// <example>
    /// <code>
    /// app.MapPaymentLinkAdmin("/admin").RequireAuthorization("admins");
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapPaymentLinkAdmin(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, PaymentLinkAdminOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var writes = new SameOriginWrites(options?.AllowedOrigins ?? []);
        var group = endpoints.MapGroup(pattern);
        group.MapGet("sessions", context => Guarded(context, ListAsync));
        group.MapPost("sessions/retry-parked", context => GuardedWrite(context, writes, RetryAllParkedAsync));
        group.MapPost("sessions/{sessionId}/retry", context => GuardedWrite(context, writes, RetryAsync));
        group.MapPost("erase", context => GuardedWrite(context, writes, EraseAsync));
        group.MapGet("catch-up/refused", context => Guarded(context, ListRefusedAsync));
        group.MapGet("status", context => Guarded(context, StatusAsync));
        group.MapPost("report/rebuild", context => GuardedWrite(context, writes, RebuildReportAsync));
        group.MapGet("conversions", context => Guarded(context, ListConversionsAsync));
        LocalOnlyUntilAuthorized.Apply(endpoints, group, "The payment-link admin API", pattern);
        return group;
    }

    private static Task Guarded(HttpContext context, Func<IPaymentLinkAdmin, HttpContext, Task<IResult>> handle) =>
        GuardedCore(context, null, (admin, context, _) => handle(admin, context));

    private static Task GuardedWrite(HttpContext context, SameOriginWrites writes, Func<IPaymentLinkAdmin, HttpContext, JsonElement, Task<IResult>> handle) =>
        GuardedCore(context, writes, handle);

    /// <param name="context">The request.</param>
    /// <param name="writes">The rule for a request that changes state; <see langword="null"/> for one that reads.</param>
    /// <param name="handle">Answers the request, given its JSON body (a default element for a read).</param>
    private static async Task GuardedCore(
        HttpContext context, SameOriginWrites? writes, Func<IPaymentLinkAdmin, HttpContext, JsonElement, Task<IResult>> handle)
    {
        IResult answer;
        JsonDocument? body = null;
        if (!LocalOnlyUntilAuthorized.Allows(context))
        {
            answer = LocalOnlyUntilAuthorized.Refusal();
        }
        else if (writes is not null && writes.Refusal(context) is { } refused)
        {
            answer = Problem(refused, StatusCodes.Status403Forbidden);
        }
        else if (writes is not null && !context.Request.HasJsonContentType())
        {
            answer = Problem("The body is JSON (Content-Type: application/json); send {} when there is nothing to say.", StatusCodes.Status415UnsupportedMediaType);
        }
        else if (writes is not null && (body = await ReadObjectAsync(context).ConfigureAwait(false)) is null)
        {
            answer = Problem("The body is a JSON object; send {} when there is nothing to say.", StatusCodes.Status400BadRequest);
        }
        else if (context.RequestServices.GetService<IPaymentLinkAdmin>() is not { } admin)
        {
            answer = Problem("No ledger is registered: add .AddSqliteLedger(...) or .AddPostgreSqlLedger(...).", StatusCodes.Status503ServiceUnavailable);
        }
        else
        {
            try
            {
                answer = await handle(admin, context, body?.RootElement ?? default).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is DbException or TimeoutException)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PaymentLinkAdminEndpointRouteBuilderExtensions).FullName!);
                EndpointLog.LedgerUnavailable(logger, "the admin API", exception.GetType().FullName);
                answer = Problem("The ledger cannot be reached right now; try again in a moment.", StatusCodes.Status503ServiceUnavailable);
            }
            finally
            {
                body?.Dispose();
            }
        }

        body?.Dispose();
        await answer.ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>The body as a JSON object, or <see langword="null"/> when it is not one (or not JSON).</summary>
    private static async Task<JsonDocument?> ReadObjectAsync(HttpContext context)
    {
        JsonDocument? document = null;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return null;
        }

        return document;
    }

    private static async Task<IResult> ListAsync(IPaymentLinkAdmin admin, HttpContext context)
    {
        PaymentLinkSessionState? state = context.Request.Query["state"].ToString() switch
        {
            "" or "parked" => PaymentLinkSessionState.Parked,
            "pending" => PaymentLinkSessionState.Pending,
            "fulfilled" => PaymentLinkSessionState.Fulfilled,
            _ => null,
        };
        if (state is null)
        {
            return Problem("state is parked (the default), pending or fulfilled.", StatusCodes.Status400BadRequest);
        }

        if (Limit(context) is not { } limit)
        {
            return LimitProblem();
        }

        var sessions = await admin.ListSessionsAsync(state.Value, limit, context.RequestAborted).ConfigureAwait(false);
        return Json(writer => AdminJson.WriteSessions(writer, sessions));
    }

    private static async Task<IResult> RebuildReportAsync(IPaymentLinkAdmin admin, HttpContext context, JsonElement body)
    {
        DateTimeOffset? since = null;
        if (body.TryGetProperty("since", out var sinceValue) && sinceValue.ValueKind != JsonValueKind.Null)
        {
            if (sinceValue.ValueKind != JsonValueKind.String
                || !PaymentLinkReportEndpointRouteBuilderExtensions.TryParse(sinceValue.GetString()!, out since))
            {
                return Problem("since is an ISO date such as 2026-11-01 or an ISO timestamp such as 2026-11-01T09:30:00Z.", StatusCodes.Status400BadRequest);
            }
        }

        var pieces = await admin.RebuildReportAsync(since, context.RequestAborted).ConfigureAwait(false);
        return Json(writer => writer.WriteNumber("rebuilt", pieces));
    }

    private static async Task<IResult> ListRefusedAsync(IPaymentLinkAdmin admin, HttpContext context)
    {
        if (Limit(context) is not { } limit)
        {
            return LimitProblem();
        }

        var refused = await admin.ListRefusedCatchUpEventsAsync(limit, context.RequestAborted).ConfigureAwait(false);
        return Json(writer => AdminJson.WriteRefusedEvents(writer, refused));
    }

    private static async Task<IResult> ListConversionsAsync(IPaymentLinkAdmin _, HttpContext context)
    {
        if (context.RequestServices.GetService<IPaymentLinkForwarding>() is not { } forwarding)
        {
            return Problem("Forwarding is not registered (services.AddPaymentLinkForwarding(...)).", StatusCodes.Status404NotFound);
        }

        if (Limit(context) is not { } limit)
        {
            return LimitProblem();
        }

        ForwardingState? state = null;
        if (context.Request.Query["state"].ToString() is { Length: > 0 } text)
        {
            if (!Enum.GetValues<ForwardingState>().Any(value => ForwardingNames.Of(value) == text))
            {
                return Problem("state is one of pending, sent, failed, dead, too_old and withheld.", StatusCodes.Status400BadRequest);
            }

            state = ForwardingNames.State(text);
        }

        var conversions = await forwarding.ListAsync(state, limit, context.RequestAborted).ConfigureAwait(false);
        return Json(writer => AdminJson.WriteConversions(writer, conversions));
    }

    /// <summary>The <c>limit</c> query parameter: 100 when absent, <see langword="null"/> when it is not 1 to 1000.</summary>
    private static int? Limit(HttpContext context) =>
        context.Request.Query["limit"].ToString() is not { Length: > 0 } text ? 100
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 1000 ? limit
        : null;

    private static IResult LimitProblem() => Problem("limit is a whole number from 1 to 1000.", StatusCodes.Status400BadRequest);

    private static async Task<IResult> RetryAllParkedAsync(IPaymentLinkAdmin admin, HttpContext context, JsonElement _)
    {
        var retried = await admin.RetryAllParkedAsync(context.RequestAborted).ConfigureAwait(false);
        return Json(writer => writer.WriteNumber("retried", retried));
    }

    private static async Task<IResult> RetryAsync(IPaymentLinkAdmin admin, HttpContext context, JsonElement _)
    {
        var sessionId = context.Request.RouteValues["sessionId"]?.ToString() ?? string.Empty;
        return await admin.RetryAsync(sessionId, context.RequestAborted).ConfigureAwait(false)
            ? Json(writer => writer.WriteBoolean("retried", true))
            : Problem("No parked session has this id.", StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> EraseAsync(IPaymentLinkAdmin admin, HttpContext context, JsonElement body)
    {
        var email = body.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        var sessionId = body.TryGetProperty("session_id", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (string.IsNullOrWhiteSpace(email) == string.IsNullOrWhiteSpace(sessionId))
        {
            return Problem("The body is a JSON object with either \"email\" or \"session_id\".", StatusCodes.Status400BadRequest);
        }

        if (sessionId is not null && !PaymentLinkRules.IsCheckoutSessionId(sessionId))
        {
            return Problem("session_id is not a Checkout Session id (cs_...).", StatusCodes.Status400BadRequest);
        }

        var erased = email is not null
            ? await admin.EraseByEmailAsync(email, context.RequestAborted).ConfigureAwait(false)
            : await admin.EraseSessionAsync(sessionId!, context.RequestAborted).ConfigureAwait(false);
        return Json(writer => AdminJson.WriteErasure(writer, erased));
    }

    private static async Task<IResult> StatusAsync(IPaymentLinkAdmin admin, HttpContext context)
    {
        var status = await admin.GetStatusAsync(context.RequestAborted).ConfigureAwait(false);
        return Json(writer => AdminJson.WriteStatus(writer, status));
    }

    private static IResult Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Results.Text(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), "application/json", Encoding.UTF8);
    }

    private static IResult Problem(string detail, int statusCode) => Results.Problem(detail: detail, statusCode: statusCode);
}
