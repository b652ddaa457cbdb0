using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Stripe's webhook for payment links onto an ASP.NET Core app.</summary>
public static class PaymentLinkWebhookEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c> to <see cref="PaymentLinkWebhookReceiver"/>: the raw body, verified
    /// with the configured signing secrets (following their reloads), recorded in the ledger before the answer.
    /// </summary>
    /// <remarks>
    /// The answers: <c>200</c> when the event is on disk (stored now or before); <c>400</c> with the reason when the
    /// request is refused (a bad or missing signature, a stale timestamp, a body that is not an event); <c>413</c> when
    /// the body is larger than <see cref="PaymentLinkTrackingOptions.MaxPayloadBytes"/> (it is not read past the
    /// limit); <c>503</c> when the event could not be stored, so that Stripe delivers it again. Never a <c>2xx</c> for
    /// an event that is not stored. Needs <c>services.AddPaymentLinkTracking(...)</c> and a ledger
    /// (<c>.AddSqliteLedger(...)</c> or <c>.AddPostgreSqlLedger(...)</c>); without a ledger, use the overload that
    /// takes a delegate.
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The route, such as <c>/stripe/webhook</c>.</param>
    /// <returns>The endpoint's convention builder, to chain <c>.WithName(...)</c>, <c>.RequireHost(...)</c> and the rest.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// app.MapPaymentLinkWebhook("/stripe/webhook");
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapPaymentLinkWebhook(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        RequireSigningSecret(endpoints.ServiceProvider);
        return endpoints.MapPost(pattern, async context =>
        {
            var receiver = context.RequestServices.GetRequiredService<PaymentLinkWebhookReceiver>();
            var reader = context.RequestServices.GetRequiredService<PaymentLinkWebhookReader>();
            var logger = Logger(context);
            if (LimitBody(context, reader.MaxPayloadBytes, logger) is { } tooLarge)
            {
                await tooLarge.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            IResult answer;
            try
            {
                var receipt = await receiver.ReceiveAsync(context.Request.Body, context.Request.Headers["Stripe-Signature"], context.RequestAborted)
                    .ConfigureAwait(false);
                answer = receipt.Outcome switch
                {
                    PaymentLinkWebhookOutcome.Stored or PaymentLinkWebhookOutcome.Duplicate => Results.Ok(),
                    PaymentLinkWebhookOutcome.Refused => Refused(receipt.Rejection),
                    PaymentLinkWebhookOutcome.NotStored => Text(
                        "No ledger is registered to store the event: add .AddSqliteLedger(...) or .AddPostgreSqlLedger(...), or map the webhook with a delegate that stores it.",
                        StatusCodes.Status503ServiceUnavailable),
                    _ => Text("The ledger is unavailable; the event was not stored. Try again later.", StatusCodes.Status503ServiceUnavailable),
                };
            }
            catch (BadHttpRequestException tooLargeBody) when (tooLargeBody.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                EndpointLog.WebhookRefused(logger, PaymentLinkWebhookRejection.PayloadTooLarge);
                answer = Refused(PaymentLinkWebhookRejection.PayloadTooLarge);
            }

            await answer.ExecuteAsync(context).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c> for an app that keeps its own records (no ledger): the raw body is
    /// verified by <see cref="PaymentLinkWebhookReader"/> with the configured signing secrets (following their reloads),
    /// then <paramref name="onEvent"/> is given the typed event. Its task completing answers <c>200</c>; its failing
    /// answers <c>503</c> (logged with the exception's type), so that Stripe delivers the event again.
    /// </summary>
    /// <remarks>
    /// Refusals answer <c>400</c> with the reason, and a body past <see cref="PaymentLinkTrackingOptions.MaxPayloadBytes"/>
    /// <c>413</c>, before <paramref name="onEvent"/> is called. Stripe delivers each event at least once: record its
    /// <see cref="PaymentLinkEvent.EventId"/> and skip repeats, and fulfil by <see cref="PaymentLinkCheckout.SessionId"/>.
    /// </remarks>
    /// <param name="endpoints">The app, or a route group.</param>
    /// <param name="pattern">The route, such as <c>/stripe/webhook</c>.</param>
    /// <param name="onEvent">Stores or handles a verified event; the request's services are <c>context.RequestServices</c>.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// app.MapPaymentLinkWebhook("/stripe/webhook", async (paymentLinkEvent, context) =>
    ///     await context.RequestServices.GetRequiredService&lt;Orders&gt;().RecordAsync(paymentLinkEvent, context.RequestAborted));
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapPaymentLinkWebhook(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, Func<PaymentLinkEvent, HttpContext, Task> onEvent)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(onEvent);
        RequireSigningSecret(endpoints.ServiceProvider);
        return endpoints.MapPost(pattern, async context =>
        {
            var reader = context.RequestServices.GetRequiredService<PaymentLinkWebhookReader>();
            var logger = Logger(context);
            if (LimitBody(context, reader.MaxPayloadBytes, logger) is { } tooLarge)
            {
                await tooLarge.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            IResult answer;
            try
            {
                var result = await reader.ReadAsync(context.Request.Body, context.Request.Headers["Stripe-Signature"], context.RequestAborted).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    EndpointLog.WebhookRefused(logger, result.Rejection);
                    answer = Refused(result.Rejection);
                }
                else
                {
                    try
                    {
                        await onEvent(result.Event, context).ConfigureAwait(false);
                        answer = Results.Ok();
                    }
                    catch (Exception exception) when (!(exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
                    {
                        EndpointLog.WebhookHandlerFailed(logger, result.Event.EventType, result.Event.EventId, exception.GetType().FullName, exception);
                        answer = Text("The event was not handled; try again later.", StatusCodes.Status503ServiceUnavailable);
                    }
                }
            }
            catch (BadHttpRequestException tooLargeBody) when (tooLargeBody.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                EndpointLog.WebhookRefused(logger, PaymentLinkWebhookRejection.PayloadTooLarge);
                answer = Refused(PaymentLinkWebhookRejection.PayloadTooLarge);
            }

            await answer.ExecuteAsync(context).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// From now on a missing signing secret is a bad setting, so the host does not start without one (rather than every
    /// webhook failing). The options may have been read already, valid without a secret: they are read, and validated,
    /// again when the host starts.
    /// </summary>
    private static void RequireSigningSecret(IServiceProvider services)
    {
        if (services.GetService<WebhookSigningSecretRequirement>() is { } requirement)
        {
            requirement.Require();
            services.GetService<IOptionsMonitorCache<PaymentLinkTrackingOptions>>()?.TryRemove(Options.DefaultName);
        }
    }

    /// <summary>
    /// Refuses a body declared larger than the limit at once, and tells the server not to read past it (one byte more
    /// is read, for the parser to tell "at the limit" from "past it").
    /// </summary>
    private static IResult? LimitBody(HttpContext context, int maxPayloadBytes, ILogger logger)
    {
        if (context.Request.ContentLength > maxPayloadBytes)
        {
            EndpointLog.WebhookRefused(logger, PaymentLinkWebhookRejection.PayloadTooLarge);
            return Refused(PaymentLinkWebhookRejection.PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxPayloadBytes + 1L;
        }

        return null;
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PaymentLinkWebhookEndpointRouteBuilderExtensions).FullName!);

    private static IResult Refused(PaymentLinkWebhookRejection rejection) => Text(
        $"{rejection}: {PaymentLinkWebhookResult.ForRejection(rejection).RejectionMessage}",
        rejection == PaymentLinkWebhookRejection.PayloadTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);

    private static IResult Text(string text, int statusCode) => Results.Text(text, "text/plain", Encoding.UTF8, statusCode);
}
