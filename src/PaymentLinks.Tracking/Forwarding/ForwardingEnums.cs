namespace PaymentLinks.Tracking;

/// <summary>
/// Where a conversion is forwarded: a destination's stored name. The built-in ones are <see cref="GoogleAnalytics"/>,
/// <see cref="Meta"/> and <see cref="Webhook"/>; one added with <c>AddConversionDestination</c> is named by its
/// <see cref="IConversionDestination.Name"/>. Two are equal when their names are.
/// </summary>
public sealed partial class ForwardingDestination : IEquatable<ForwardingDestination>
{
    /// <summary>The longest name a destination may have.</summary>
    public const int MaxNameLength = 40;

    /// <summary>Google Analytics 4, through the Measurement Protocol: <c>google_analytics</c>.</summary>
    public static readonly ForwardingDestination GoogleAnalytics = new("google_analytics", "Google Analytics");

    /// <summary>Meta, through the Conversions API: <c>meta</c>.</summary>
    public static readonly ForwardingDestination Meta = new("meta", "Meta");

    /// <summary>The merchant's own signed webhook: <c>webhook</c>.</summary>
    public static readonly ForwardingDestination Webhook = new("webhook", "The webhook");

    private ForwardingDestination(string name, string displayName)
    {
        Name = name;
        DisplayName = displayName;
    }

    /// <summary>Gets the stored name: lower-case letters, digits and <c>_</c>.</summary>
    public string Name { get; }

    /// <summary>How messages name it: "Meta", "The webhook", or the stored name.</summary>
    internal string DisplayName { get; }

    /// <summary>The destination stored as <paramref name="name"/>.</summary>
    /// <param name="name">Lower-case letters, digits and <c>_</c>, 1 to <see cref="MaxNameLength"/> characters.</param>
    /// <returns>The destination; a built-in one for its own name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not such a name.</exception>
    public static ForwardingDestination Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"A destination's name is 1 to {MaxNameLength} lower-case letters, digits and '_': '{(name.Length <= MaxNameLength ? name : name[..MaxNameLength] + "...")}' is not.", nameof(name));
        }

        return FromStored(name);
    }

    /// <summary>Whether <paramref name="name"/> may name a destination: 1 to <see cref="MaxNameLength"/> lower-case letters, digits and <c>_</c>.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> when it may.</returns>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= MaxNameLength } && NamePattern().IsMatch(name);

    /// <summary>The destination a stored name stands for, without checking its shape.</summary>
    internal static ForwardingDestination FromStored(string name) => name switch
    {
        "google_analytics" => GoogleAnalytics,
        "meta" => Meta,
        "webhook" => Webhook,
        _ => new ForwardingDestination(name, name),
    };

    /// <summary>The built-in destinations.</summary>
    internal static IReadOnlyList<ForwardingDestination> BuiltIn { get; } = [GoogleAnalytics, Meta, Webhook];

    /// <summary>Whether two destinations are the same.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns><see langword="true"/> when their names are equal.</returns>
    public static bool operator ==(ForwardingDestination? left, ForwardingDestination? right) => Equals(left, right);

    /// <summary>Whether two destinations differ.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns><see langword="true"/> when their names differ.</returns>
    public static bool operator !=(ForwardingDestination? left, ForwardingDestination? right) => !Equals(left, right);

    /// <inheritdoc/>
    public bool Equals(ForwardingDestination? other) => other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ForwardingDestination other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>The stored name.</summary>
    /// <returns><see cref="Name"/>.</returns>
    public override string ToString() => Name;

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9_]+\\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex NamePattern();
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
    public static string Of(ForwardingDestination destination) => destination.Name;

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

    public static ForwardingDestination Destination(string name) => ForwardingDestination.FromStored(name);

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
