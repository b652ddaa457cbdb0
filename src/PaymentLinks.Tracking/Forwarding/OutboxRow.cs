namespace PaymentLinks.Tracking;

/// <summary>
/// A claimed outbox row with what sending it needs: the session's fields, the thank-you visit's details, and the click the
/// session came from.
/// </summary>
internal sealed class OutboxRow
{
    public required long Id { get; init; }

    public required string SessionId { get; init; }

    public required ForwardingDestination Destination { get; init; }

    public required ForwardingKind Kind { get; init; }

    public string RefundKey { get; init; } = string.Empty;

    public long? Amount { get; init; }

    /// <summary>The tax in <see cref="Amount"/>: a purchase's or renewal's own, a refund's share of its transaction's.</summary>
    public long AmountTax { get; init; }

    /// <summary>The shipping in <see cref="Amount"/>, the same way.</summary>
    public long AmountShipping { get; init; }

    /// <summary>
    /// The transaction a destination counts this under: the session for its purchase and the purchase's refunds, the
    /// invoice for a renewal and the renewal's refunds.
    /// </summary>
    public string TransactionId => string.IsNullOrEmpty(StoredTransactionId) ? SessionId : StoredTransactionId;

    public string? StoredTransactionId { get; init; }

    /// <summary>When the session was paid: what the pseudonymous GA4 client id is made of, the same for all its events.</summary>
    public DateTimeOffset? SessionPaidAt { get; init; }

    public string? Currency { get; init; }

    /// <summary>For a refund or a reversed refund: its transaction's value (without tax and shipping) after it; see <see cref="ConversionEvent.RemainingValueInMinorUnits"/>.</summary>
    public long? RemainingValue { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public bool Livemode { get; init; }

    /// <summary>The tries started, this one included.</summary>
    public int Attempts { get; init; }

    public string? PaymentLinkId { get; init; }

    public string? ClientReferenceId { get; init; }

    public string? CustomerEmail { get; init; }

    public bool HasVisit { get; init; }

    public string? GoogleAnalyticsCookie { get; init; }

    public string? MetaBrowserCookie { get; init; }

    public string? MetaClickCookie { get; init; }

    public string? UserAgent { get; init; }

    public string? PageUrl { get; init; }

    public string? ClientIp { get; init; }

    public VisitConsent Consent { get; init; }

    /// <summary>
    /// The click the session came from, found through the click id at the end of its <c>client_reference_id</c> (see
    /// <see cref="ClientReferenceCodec.ClickMarker"/>); <see langword="null"/> without one, or where the ledger no longer
    /// has it (erased, or older than the retention). It carries the ad click ids (<c>gclid</c>, <c>gbraid</c>,
    /// <c>wbraid</c>, <c>fbclid</c>, <c>ttclid</c>, <c>msclkid</c>, <c>li_fat_id</c>, <c>rdt_cid</c>), the cookies
    /// <c>_ga</c>, <c>_fbp</c> and <c>_ttp</c>, Meta's <c>fbc</c> as recorded (the <c>_fbc</c> cookie, or built from the
    /// fbclid at the click), the landing URL, and the IP address and user agent only where the click was recorded under
    /// consent.
    /// </summary>
    public PaymentLinkClick? Click { get; init; }

    /// <summary>The database's time when the row was claimed: what a row's age is measured against.</summary>
    public DateTimeOffset DatabaseNow { get; init; }

    /// <summary>When the row was written to the outbox, on the ledger's clock: where the webhook's retry window starts.</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>
    /// For a refund, where the conversion it takes back (its session's purchase, or the renewal whose invoice it refunds)
    /// stands at the same destination; <see langword="null"/> without one.
    /// </summary>
    public ForwardingState? PurchaseState { get; init; }

    /// <summary>The previous try's error, secrets redacted.</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// The buyer's consent: the thank-you visit's answer where it gave one (the later answer); otherwise granted where the
    /// click kept an IP address or user agent, which it records only under granted consent; otherwise not reported.
    /// </summary>
    public VisitConsent BuyerConsent =>
        Consent != VisitConsent.NotReported ? Consent
        : Click is { IpAddress: not null } or { UserAgent: not null } ? VisitConsent.Granted
        : VisitConsent.NotReported;

    /// <summary>Whether personal data may be sent for this conversion.</summary>
    public bool ConsentGranted(bool assumeConsent) =>
        BuyerConsent == VisitConsent.Granted || (BuyerConsent == VisitConsent.NotReported && assumeConsent);

    // What a destination gets of the browser and the ad click: the thank-you visit's browser values win for the browser
    // (it is where the buyer paid from), the click's for the ad ids; each falls back to the other where one is missing.

    /// <summary>The <c>_ga</c> cookie: the thank-you visit's, else the click's.</summary>
    public string? ForwardedGoogleAnalyticsCookie => GoogleAnalyticsCookie ?? Click?.GoogleAnalyticsCookie;

    /// <summary>Meta's browser id (<c>_fbp</c>): the thank-you visit's, else the click's.</summary>
    public string? ForwardedFbp => MetaBrowserCookie ?? Click?.Fbp;

    /// <summary>Meta's click id (<c>fbc</c>): the click's as recorded (its <c>_fbc</c> cookie, or built from its fbclid), else the visit's <c>_fbc</c>.</summary>
    public string? ForwardedFbc => Click?.Fbc ?? MetaClickCookie;

    /// <summary>The browser's user agent: the thank-you visit's, else the click's (each recorded only under consent).</summary>
    public string? ForwardedUserAgent => UserAgent ?? Click?.UserAgent;

    /// <summary>The browser's IP address: the thank-you visit's, else the click's (each recorded only under consent).</summary>
    public string? ForwardedClientIp => ClientIp ?? Click?.IpAddress;

    /// <summary>The page the conversion happened on: the thank-you page, else the tracked link the buyer clicked.</summary>
    public string? ForwardedPageUrl => PageUrl ?? Click?.LandingUrl;

    public override string ToString() => $"{Destination} {Kind} {SessionId} (row {Id})";
}

/// <summary>What became of one claimed row: sent, to be tried again after a delay, given back untried, or final.</summary>
/// <param name="Id">The row.</param>
/// <param name="State">
/// <see cref="ForwardingState.Sent"/>; <see cref="ForwardingState.Pending"/> with <paramref name="RetryAfter"/> to try again,
/// or without it to give the row back untried (the host is stopping); or a final state.
/// </param>
/// <param name="RetryAfter">The wait before the next try.</param>
/// <param name="Error">What went wrong, secrets redacted.</param>
internal sealed record OutboxOutcome(long Id, ForwardingState State, TimeSpan? RetryAfter = null, string? Error = null);

/// <summary>Which destinations get a row when a session becomes paid, of which kinds, and whether test payments do too.</summary>
internal sealed record ForwardingPlan(
    IReadOnlyList<ForwardingDestination> Destinations, bool IncludeTestMode, IReadOnlyDictionary<ForwardingDestination, IReadOnlySet<ForwardingKind>> Kinds)
{
    /// <summary>Whether <paramref name="destination"/> gets a subscription's renewals: GA4 and the webhook always, Meta when asked.</summary>
    public bool SendsRenewals(ForwardingDestination destination) => Takes(destination, ForwardingKind.Renewal);

    /// <summary>Whether <paramref name="destination"/> gets refunds: Meta has no refund event.</summary>
    public bool SendsRefunds(ForwardingDestination destination) => Takes(destination, ForwardingKind.Refund);

    /// <summary>Whether <paramref name="destination"/> gets a failed or canceled refund's reversal: the webhook does.</summary>
    public bool SendsRefundReversals(ForwardingDestination destination) => Takes(destination, ForwardingKind.RefundReversed);

    private bool Takes(ForwardingDestination destination, ForwardingKind kind) => Kinds.TryGetValue(destination, out var kinds) && kinds.Contains(kind);

    /// <summary>The built-in destinations <paramref name="options"/> turn on; <see langword="null"/> for none.</summary>
    public static ForwardingPlan? From(PaymentLinkForwardingOptions options) => new ForwardingServices(options).Plan;
}
