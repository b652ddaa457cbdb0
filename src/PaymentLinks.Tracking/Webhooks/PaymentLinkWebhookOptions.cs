namespace PaymentLinks.Tracking;

/// <summary>
/// Settings for <see cref="PaymentLinkWebhookParser"/>: the endpoint's signing secrets and the limits a
/// request must meet.
/// </summary>
/// <remarks>
/// The parser copies these values when it is constructed; changing the options afterwards does not
/// change a parser already built.
/// </remarks>
public sealed class PaymentLinkWebhookOptions
{
    // Five minutes, as in Stripe's own libraries.
    internal static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    // Stripe's events are a few KiB; the largest, with many line items, stay far below this.
    internal const int DefaultMaxPayloadBytes = 256 * 1024;

    /// <summary>
    /// Gets or sets the webhook endpoint's signing secrets (each starting with <c>whsec_</c>). A request is
    /// accepted when its signature matches any of them, so while a secret is being rolled both the old
    /// and the new secret can be listed.
    /// </summary>
    /// <value>An empty list: at least one secret must be added before a parser is built.</value>
    public IList<string> SigningSecrets { get; set; } = new List<string>();

    /// <summary>
    /// Gets or sets how far the signature's timestamp may be from the current time, in either direction,
    /// compared in whole seconds. Older requests are refused as possible replays.
    /// </summary>
    /// <value>The default value is 5 minutes. Zero or a negative value is refused.</value>
    public TimeSpan Tolerance { get; set; } = DefaultTolerance;

    /// <summary>
    /// Gets or sets the largest request body, in bytes, that the parser reads. A larger body is refused
    /// without being read past this limit.
    /// </summary>
    /// <value>The default value is 262,144 bytes (256 KiB). Zero or a negative value is refused.</value>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;
}
