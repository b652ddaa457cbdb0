namespace PaymentLinks.Tracking;

/// <summary>Where a conversion is forwarded.</summary>
public enum ForwardingDestination
{
    /// <summary>Google Analytics 4, through the Measurement Protocol.</summary>
    GoogleAnalytics = 1,

    /// <summary>Meta, through the Conversions API.</summary>
    Meta = 2,

    /// <summary>The merchant's own signed webhook.</summary>
    Webhook = 3,
}

/// <summary>What a forwarded conversion reports.</summary>
public enum ForwardingKind
{
    /// <summary>A paid session: GA4 <c>purchase</c>, Meta <c>Purchase</c>, webhook <c>conversion.paid</c>.</summary>
    Purchase = 1,

    /// <summary>
    /// A refund of a paid session or of a renewal, against its own transaction: GA4 <c>refund</c>, webhook
    /// <c>conversion.refunded</c> (Meta has no refund event).
    /// </summary>
    Refund = 2,

    /// <summary>
    /// A subscription's renewal (an invoice paid for <c>subscription_cycle</c> or <c>subscription_update</c>): GA4
    /// <c>purchase</c> and Meta <c>Purchase</c> with the invoice's id as the transaction, webhook <c>conversion.renewed</c>.
    /// </summary>
    Renewal = 3,

    /// <summary>
    /// A forwarded refund that failed or was canceled afterwards: webhook <c>conversion.refund_reversed</c> (GA4 and Meta
    /// have no such event).
    /// </summary>
    RefundReversed = 4,
}

/// <summary>Where a conversion stands at one destination.</summary>
public enum ForwardingState
{
    /// <summary>Waiting to be sent, or to be tried again.</summary>
    Pending = 1,

    /// <summary>The destination answered 2xx: never sent again.</summary>
    Sent = 2,

    /// <summary>The destination refused it (a 4xx other than 429): not tried again until retried by hand.</summary>
    Failed = 3,

    /// <summary>Every try failed (timeouts, 5xx, 429): not tried again until retried by hand.</summary>
    Dead = 4,

    /// <summary>
    /// Older than the destination accepts when it was due (GA4: 72 hours, Meta: 7 days), so it was not sent.
    /// </summary>
    TooOld = 5,

    /// <summary>
    /// Kept out of every request: the destination requires a field this conversion cannot have (Meta: at least one
    /// customer information parameter, which a buyer without recorded consent gives none of; a refund whose purchase the
    /// destination never received). The reason is in <see cref="ForwardedConversion.LastError"/>; not counted as a failure.
    /// </summary>
    Withheld = 6,
}

/// <summary>The names the ledger stores for the forwarding enums.</summary>
internal static class ForwardingNames
{
    public static string Of(ForwardingDestination destination) => destination switch
    {
        ForwardingDestination.GoogleAnalytics => "google_analytics",
        ForwardingDestination.Meta => "meta",
        ForwardingDestination.Webhook => "webhook",
        _ => throw new ArgumentOutOfRangeException(nameof(destination)),
    };

    public static string Of(ForwardingKind kind) => kind switch
    {
        ForwardingKind.Refund => "refund",
        ForwardingKind.Renewal => "renewal",
        ForwardingKind.RefundReversed => "refund_reversed",
        _ => "purchase",
    };

    public static string Of(ForwardingState state) => state switch
    {
        ForwardingState.Pending => "pending",
        ForwardingState.Sent => "sent",
        ForwardingState.Failed => "failed",
        ForwardingState.Dead => "dead",
        ForwardingState.TooOld => "too_old",
        ForwardingState.Withheld => "withheld",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static ForwardingDestination Destination(string name) => name switch
    {
        "google_analytics" => ForwardingDestination.GoogleAnalytics,
        "meta" => ForwardingDestination.Meta,
        _ => ForwardingDestination.Webhook,
    };

    public static ForwardingKind Kind(string name) => name switch
    {
        "refund" => ForwardingKind.Refund,
        "renewal" => ForwardingKind.Renewal,
        "refund_reversed" => ForwardingKind.RefundReversed,
        _ => ForwardingKind.Purchase,
    };

    public static ForwardingState State(string name) => name switch
    {
        "pending" => ForwardingState.Pending,
        "sent" => ForwardingState.Sent,
        "failed" => ForwardingState.Failed,
        "dead" => ForwardingState.Dead,
        "withheld" => ForwardingState.Withheld,
        _ => ForwardingState.TooOld,
    };
}
