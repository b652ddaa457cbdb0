namespace PaymentLinks.Tracking;

/// <summary>
/// One conversion as a destination receives it (<see cref="IConversionDestination.SendAsync"/>): the session, the
/// transaction and its money, and what the buyer's thank-you visit and ad click left, personal data only under the
/// buyer's consent. The forwarding worker fills it from the outbox; construct one yourself to test a destination.
/// </summary>
/// <remarks>
/// The money follows the forwarding's rules: <see cref="Amount"/> is the total paid (or refunded), and
/// <see cref="Value"/> is it without its tax and shipping, in major units, the number GA4 and Meta receive.
/// </remarks>
public sealed record ConversionEvent
{
    /// <summary>Gets the Checkout Session's id (<c>cs_...</c>); a session's renewals and refunds carry it too.</summary>
    public required string SessionId { get; init; }

    /// <summary>
    /// Gets the transaction the conversion counts under: the session for its purchase and the purchase's refunds, the
    /// invoice (<c>in_...</c>) for a renewal and the renewal's refunds. A platform's order id or dedup key.
    /// </summary>
    public required string TransactionId { get; init; }

    /// <summary>Gets what the conversion reports.</summary>
    public required ForwardingKind Kind { get; init; }

    /// <summary>
    /// Gets what tells apart conversions of one kind of one session: the refund's key for a refund or a reversed
    /// refund, the invoice for a renewal; empty for a purchase. With <see cref="SessionId"/> and <see cref="Kind"/>, a
    /// key unique to this conversion.
    /// </summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>Gets when the money moved: the session paid, the invoice paid, the refund recorded.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets whether it is a live payment (a test-mode one is forwarded only when the options include test mode).</summary>
    public bool Livemode { get; init; }

    /// <summary>Gets the amount in the currency's smallest unit: the total paid, or the amount refunded.</summary>
    public long Amount { get; init; }

    /// <summary>Gets the tax in <see cref="Amount"/>: a purchase's or renewal's own, a refund's share of its transaction's.</summary>
    public long AmountTax { get; init; }

    /// <summary>Gets the shipping in <see cref="Amount"/>, the same way.</summary>
    public long AmountShipping { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case as Stripe gives it.</summary>
    public required string Currency { get; init; }

    /// <summary>Gets the value in the currency's smallest unit: <see cref="Amount"/> less <see cref="AmountTax"/> and <see cref="AmountShipping"/>.</summary>
    public long ValueInMinorUnits => Amount - AmountTax - AmountShipping;

    /// <summary>
    /// Gets the value in major units by the currency's exponent as Stripe defines it (4200 <c>usd</c> is 42.00, 4200
    /// <c>jpy</c> is 4200): <see cref="ValueInMinorUnits"/>, without tax and shipping.
    /// </summary>
    public decimal Value => CurrencyAmounts.MajorUnits(ValueInMinorUnits, Currency);

    /// <summary>
    /// Gets, for a <see cref="ForwardingKind.Refund"/> or a <see cref="ForwardingKind.RefundReversed"/>, what its
    /// transaction is worth after it, in the currency's smallest unit: the purchase's (or renewal's) amount less every
    /// refund of it up to and including this one, plus the refunds that failed since, less that remainder's share of the
    /// transaction's tax and shipping (so 0 once all is refunded). What a destination that restates a conversion's value
    /// sends (Google Ads does). The ledger fixes it when the refund enters the outbox; <see langword="null"/> for a
    /// purchase or a renewal, and for a refund of a conversion that entered the outbox before the ledger kept it.
    /// </summary>
    public long? RemainingValueInMinorUnits { get; init; }

    /// <summary>Gets <see cref="RemainingValueInMinorUnits"/> in major units, as <see cref="Value"/> is.</summary>
    public decimal? RemainingValue => RemainingValueInMinorUnits is { } remaining ? CurrencyAmounts.MajorUnits(remaining, Currency) : null;

    /// <summary>Gets the currency code in upper case, as ad platforms take it (<c>USD</c>).</summary>
    public string CurrencyCode => CurrencyAmounts.UpperCurrency(Currency);

    /// <summary>Gets the Payment Link's id (<c>plink_...</c>), when the session came from one.</summary>
    public string? PaymentLinkId { get; init; }

    /// <summary>Gets the session's <c>client_reference_id</c>, as Stripe returned it.</summary>
    public string? ClientReferenceId { get; init; }

    /// <summary>
    /// Gets whether the buyer's consent allows personal data to go to destinations: granted on the thank-you visit, or
    /// not reported and assumed by <see cref="PaymentLinkForwardingOptions.AssumeConsent"/>.
    /// </summary>
    public bool ConsentGranted { get; init; }

    /// <summary>Gets the buyer's email as Stripe recorded it, only when <see cref="ConsentGranted"/>; hash it as the platform documents.</summary>
    public string? Email { get; init; }

    /// <summary>Gets what the buyer's browser showed on the thank-you page, when it got there.</summary>
    public ConversionVisit? Visit { get; init; }

    /// <summary>Gets the recorded ad click the session came from (through <c>MapPaymentLinkRedirect</c>), when there is one.</summary>
    public ConversionClick? Click { get; init; }

    /// <summary>Gets how many tries were started, this one included.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>The outbox row it was made from; <see langword="null"/> for one constructed by hand.</summary>
    internal OutboxRow? Row { get; init; }

    /// <summary>Describes the conversion without the personal data it holds.</summary>
    /// <returns>Its kind, session, transaction and time.</returns>
    public override string ToString() =>
        $"{nameof(ConversionEvent)} {{ {nameof(Kind)} = {Kind}, {nameof(SessionId)} = {SessionId}, {nameof(TransactionId)} = {TransactionId}, {nameof(OccurredAt)} = {OccurredAt:O} }}";
}

/// <summary>
/// What the buyer's browser showed on the thank-you page: its cookies always (pseudonymous ids), its address and user
/// agent only under consent.
/// </summary>
public sealed record ConversionVisit
{
    /// <summary>Gets the thank-you page's URL.</summary>
    public string? PageUrl { get; init; }

    /// <summary>Gets the browser's user agent, only under consent.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Gets the browser's IP address, only under consent.</summary>
    public string? IpAddress { get; init; }

    /// <summary>Gets the <c>_ga</c> cookie; GA4's <c>client_id</c> comes from it.</summary>
    public string? GoogleAnalyticsCookie { get; init; }

    /// <summary>Gets Meta's browser id, the <c>_fbp</c> cookie.</summary>
    public string? Fbp { get; init; }

    /// <summary>Gets Meta's click id cookie, <c>_fbc</c>.</summary>
    public string? Fbc { get; init; }

    /// <summary>Describes the visit without the personal data it holds.</summary>
    /// <returns>The type's name.</returns>
    public override string ToString() => nameof(ConversionVisit);
}

/// <summary>
/// The recorded ad click the session came from: each platform's click id and cookie as the redirect saw them, the
/// landing URL, and (recorded only under consent) the click's IP address and user agent.
/// </summary>
public sealed record ConversionClick
{
    /// <summary>Gets when the click was recorded.</summary>
    public DateTimeOffset? ClickedAt { get; init; }

    /// <summary>Gets Google Ads' click id (<c>gclid</c>).</summary>
    public string? Gclid { get; init; }

    /// <summary>Gets Google Ads' click id for app-to-web iOS traffic (<c>gbraid</c>).</summary>
    public string? Gbraid { get; init; }

    /// <summary>Gets Google Ads' click id for web-to-app iOS traffic (<c>wbraid</c>).</summary>
    public string? Wbraid { get; init; }

    /// <summary>Gets Meta's click id (<c>fbclid</c>), exactly as received.</summary>
    public string? Fbclid { get; init; }

    /// <summary>Gets TikTok's click id (<c>ttclid</c>).</summary>
    public string? Ttclid { get; init; }

    /// <summary>Gets Microsoft Advertising's click id (<c>msclkid</c>).</summary>
    public string? Msclkid { get; init; }

    /// <summary>Gets LinkedIn's click id (<c>li_fat_id</c>).</summary>
    public string? LiFatId { get; init; }

    /// <summary>Gets Reddit's click id (<c>rdt_cid</c>).</summary>
    public string? RdtCid { get; init; }

    /// <summary>Gets the <c>_ga</c> cookie the click carried.</summary>
    public string? GoogleAnalyticsCookie { get; init; }

    /// <summary>Gets Meta's browser id the click carried, the <c>_fbp</c> cookie.</summary>
    public string? Fbp { get; init; }

    /// <summary>Gets Meta's click id as its Conversions API takes it: the <c>_fbc</c> cookie, or one built from <see cref="Fbclid"/>.</summary>
    public string? Fbc { get; init; }

    /// <summary>Gets TikTok's browser id the click carried, the <c>_ttp</c> cookie.</summary>
    public string? Ttp { get; init; }

    /// <summary>Gets the URL that was clicked, with its query.</summary>
    public string? LandingUrl { get; init; }

    /// <summary>Gets the click's IP address, only under consent.</summary>
    public string? IpAddress { get; init; }

    /// <summary>Gets the click's user agent, only under consent.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Describes the click without the identifiers it holds.</summary>
    /// <returns>The type's name and the click's time.</returns>
    public override string ToString() => $"{nameof(ConversionClick)} {{ {nameof(ClickedAt)} = {ClickedAt:O} }}";
}
