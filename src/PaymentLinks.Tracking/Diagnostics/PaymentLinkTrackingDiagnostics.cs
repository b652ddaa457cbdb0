using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PaymentLinks.Tracking;

/// <summary>
/// The names under which the library reports its metrics and traces: one <see cref="Meter"/> and one
/// <see cref="ActivitySource"/>, both named <see cref="Name"/>. Turn them on with OpenTelemetry's
/// <c>AddMeter(PaymentLinkTrackingDiagnostics.Name)</c> and <c>AddSource(PaymentLinkTrackingDiagnostics.Name)</c>; the
/// library itself needs no OpenTelemetry package.
/// </summary>
/// <remarks>
/// Every instrument is listed in this file, named after OpenTelemetry's conventions (lower case, dotted, a UCUM unit).
/// Tags carry outcomes, event types and session ids, never an email, a name, an address or a secret.
/// <list type="table">
/// <item><term><c>paymentlinks.webhooks.received</c></term><description>counter of webhook requests, by <c>paymentlinks.outcome</c> and <c>paymentlinks.event_type</c>.</description></item>
/// <item><term><c>paymentlinks.webhook.store.duration</c></term><description>histogram, seconds, of recording a verified event in the ledger.</description></item>
/// <item><term><c>paymentlinks.sessions.fulfilled</c>, <c>.fulfillment_failed</c>, <c>.parked</c></term><description>counters of the fulfilment handler's outcomes.</description></item>
/// <item><term><c>paymentlinks.fulfillment.duration</c></term><description>histogram, seconds, of one call of the fulfilment handler.</description></item>
/// <item><term><c>paymentlinks.visits.recorded</c></term><description>counter of thank-you page visits recorded, by <c>paymentlinks.visit</c> (<c>first</c> or <c>revisit</c>).</description></item>
/// <item><term><c>paymentlinks.conversions.forwarded</c></term><description>counter of conversions a destination accepted, by <c>paymentlinks.destination</c> (<c>google_analytics</c>, <c>meta</c> or <c>webhook</c>) and <c>paymentlinks.conversion.kind</c> (<c>purchase</c> or <c>refund</c>).</description></item>
/// <item><term><c>paymentlinks.conversions.forward_failed</c></term><description>counter of conversions not accepted, by destination, kind and <c>paymentlinks.outcome</c>: <c>retry</c> (tried again later), <c>refused</c> (a 4xx), <c>dead</c> (out of tries) or <c>too_old</c>.</description></item>
/// <item><term><c>paymentlinks.forwarding.duration</c></term><description>histogram, seconds, of one request to a destination (a Meta request carries up to 1,000 conversions), by destination and <c>paymentlinks.outcome</c> (<c>sent</c>, <c>retry</c> or <c>refused</c>).</description></item>
/// <item><term><c>paymentlinks.sessions.pending</c></term><description>gauge of the sessions waiting for fulfilment, as the fulfilment worker last counted them.</description></item>
/// <item><term><c>paymentlinks.conversions.pending</c></term><description>gauge of the conversions waiting in the forwarding outbox, as the forwarding worker last counted them.</description></item>
/// <item><term><c>paymentlinks.catch_up.lag</c></term><description>gauge, seconds, from the catch-up watermark to now, as the last catch-up left it.</description></item>
/// </list>
/// Spans: <c>paymentlinks.webhook.receive</c>, <c>paymentlinks.webhook.store</c>, <c>paymentlinks.fulfill</c>,
/// <c>paymentlinks.forward</c> (one a request to a destination: its destination, its count of conversions in
/// <c>paymentlinks.conversions</c>, and the session id when it carries one) and <c>paymentlinks.catch_up.page</c> (one a
/// page of Stripe's event list, its count of events in <c>paymentlinks.catch_up.events</c>), tagged with
/// <c>paymentlinks.session_id</c> where there is one. A destination's URL is never a tag: GA4's carries its API secret.
/// </remarks>
public static class PaymentLinkTrackingDiagnostics
{
    /// <summary>The name of the library's <see cref="Meter"/> and <see cref="ActivitySource"/>: <c>PaymentLinks.Tracking</c>.</summary>
    public const string Name = "PaymentLinks.Tracking";

    internal const string OutcomeTag = "paymentlinks.outcome";
    internal const string EventTypeTag = "paymentlinks.event_type";
    internal const string SessionIdTag = "paymentlinks.session_id";
    internal const string VisitTag = "paymentlinks.visit";
    internal const string DestinationTag = "paymentlinks.destination";
    internal const string ConversionKindTag = "paymentlinks.conversion.kind";
    internal const string ConversionsTag = "paymentlinks.conversions";

    internal static readonly ActivitySource Source = new(Name, typeof(PaymentLinkTrackingDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(PaymentLinkTrackingDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> WebhooksReceived =
        Meter.CreateCounter<long>("paymentlinks.webhooks.received", "{webhook}", "Webhook requests received, by outcome and event type.");

    internal static readonly Histogram<double> WebhookStoreDuration =
        Meter.CreateHistogram<double>("paymentlinks.webhook.store.duration", "s", "How long recording a verified event in the ledger took.");

    internal static readonly Counter<long> SessionsFulfilled =
        Meter.CreateCounter<long>("paymentlinks.sessions.fulfilled", "{session}", "Sessions the fulfilment handler fulfilled.");

    internal static readonly Counter<long> FulfillmentsFailed =
        Meter.CreateCounter<long>("paymentlinks.sessions.fulfillment_failed", "{attempt}", "Calls of the fulfilment handler that failed and will be retried.");

    internal static readonly Counter<long> SessionsParked =
        Meter.CreateCounter<long>("paymentlinks.sessions.parked", "{session}", "Sessions parked after their last failed try.");

    internal static readonly Histogram<double> FulfillmentDuration =
        Meter.CreateHistogram<double>("paymentlinks.fulfillment.duration", "s", "How long one call of the fulfilment handler took.");

    internal static readonly Counter<long> VisitsRecorded =
        Meter.CreateCounter<long>("paymentlinks.visits.recorded", "{visit}", "Thank-you page visits recorded, first visits and revisits.");

    internal static readonly Counter<long> ConversionsForwarded =
        Meter.CreateCounter<long>("paymentlinks.conversions.forwarded", "{conversion}", "Conversions a destination accepted, by destination and kind.");

    internal static readonly Counter<long> ConversionsForwardFailed =
        Meter.CreateCounter<long>(
            "paymentlinks.conversions.forward_failed", "{conversion}", "Conversions a destination did not accept, by destination, kind and outcome (retry, refused, dead, too_old).");

    internal static readonly Histogram<double> ForwardingDuration =
        Meter.CreateHistogram<double>("paymentlinks.forwarding.duration", "s", "How long one request to a destination took.");

    // Refreshed by the workers' idle polls and by catch-up; read by the observable gauges below.
    private static long s_pendingSessions;
    private static long s_pendingConversions;
    private static long s_catchUpWatermarkUnixMilliseconds = long.MinValue;

    static PaymentLinkTrackingDiagnostics()
    {
        Meter.CreateObservableUpDownCounter(
            "paymentlinks.sessions.pending", () => Interlocked.Read(ref s_pendingSessions), "{session}", "Sessions waiting for fulfilment, as last counted.");
        Meter.CreateObservableUpDownCounter(
            "paymentlinks.conversions.pending",
            () => Interlocked.Read(ref s_pendingConversions),
            "{conversion}",
            "Conversions waiting in the forwarding outbox, as last counted.");
        Meter.CreateObservableGauge(
            "paymentlinks.catch_up.lag",
            ObserveCatchUpLag,
            "s",
            "Seconds from the catch-up watermark (the newest event catch-up recorded) to now.");
    }

    internal static void ReportPendingSessions(long count) => Interlocked.Exchange(ref s_pendingSessions, count);

    internal static void ReportPendingConversions(long count) => Interlocked.Exchange(ref s_pendingConversions, count);

    internal static void ReportCatchUpWatermark(DateTimeOffset watermark) =>
        Interlocked.Exchange(ref s_catchUpWatermarkUnixMilliseconds, watermark.ToUnixTimeMilliseconds());

    /// <summary>Seconds since <paramref name="start"/>, from <see cref="Stopwatch"/> ticks.</summary>
    internal static double SecondsSince(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;

    private static IEnumerable<Measurement<double>> ObserveCatchUpLag()
    {
        var watermark = Interlocked.Read(ref s_catchUpWatermarkUnixMilliseconds);
        if (watermark == long.MinValue)
        {
            yield break;
        }

        yield return new Measurement<double>((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - watermark) / 1000.0);
    }
}
