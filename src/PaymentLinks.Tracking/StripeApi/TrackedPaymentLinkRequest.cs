namespace PaymentLinks.Tracking;

/// <summary>
/// What <see cref="PaymentLinkCreator.CreateAsync(TrackedPaymentLinkRequest, CancellationToken)"/> creates: a payment
/// link that redirects to a thank-you page after payment, with the Checkout Session id and the UTM codes in that URL.
/// </summary>
/// <example>
/// <code>
/// var request = new TrackedPaymentLinkRequest
/// {
///     LineItems = [new PaymentLinkLineItem("price_1Pgc6xB7WZ01zgkW1ZbYz3Jc")],
///     RedirectUrl = "https://example.com/thanks",
///     Metadata = new Dictionary&lt;string, string&gt; { ["campaign"] = "spring_sale" },
/// };
/// </code>
/// </example>
public sealed class TrackedPaymentLinkRequest
{
    /// <summary>The most line items a payment link may have.</summary>
    public const int MaxLineItems = 20;

    /// <summary>The most metadata keys Stripe stores on an object.</summary>
    public const int MaxMetadataKeys = 50;

    /// <summary>The most characters of a metadata key.</summary>
    public const int MaxMetadataKeyLength = 40;

    /// <summary>The most characters of a metadata value.</summary>
    public const int MaxMetadataValueLength = 500;

    /// <summary>
    /// The most characters Stripe accepts in <c>after_completion[redirect][url]</c>: <see cref="RedirectUrl"/> with
    /// <c>session_id={CHECKOUT_SESSION_ID}</c> added.
    /// </summary>
    public const int MaxRedirectUrlLength = 2048;

    /// <summary>Gets or initialises the prices the link sells, 1 to <see cref="MaxLineItems"/> of them.</summary>
    public required IReadOnlyList<PaymentLinkLineItem> LineItems { get; init; }

    /// <summary>
    /// Gets or initialises the absolute <c>https</c> URL of the thank-you page. <c>session_id={CHECKOUT_SESSION_ID}</c>
    /// is appended to its query unless it is already there; Stripe replaces the placeholder with the Checkout Session
    /// id and appends the UTM codes of the link the customer followed. With the placeholder, the URL must fit in
    /// <see cref="MaxRedirectUrlLength"/> characters.
    /// </summary>
    public required string RedirectUrl { get; init; }

    /// <summary>
    /// Gets or initialises the link's metadata, which Stripe copies to every Checkout Session the link creates: at most
    /// <see cref="MaxMetadataKeys"/> keys of 1 to <see cref="MaxMetadataKeyLength"/> characters without square brackets,
    /// values of at most <see cref="MaxMetadataValueLength"/> characters.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no metadata.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
