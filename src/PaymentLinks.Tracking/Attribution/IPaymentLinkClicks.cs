namespace PaymentLinks.Tracking;

/// <summary>
/// Tracked links on the merchant's own domain, before Stripe: each click is recorded with every ad click id it carries,
/// and the buyer is sent to the configured payment link with the click's id in <c>client_reference_id</c>, so that the
/// session Stripe makes can be tied to the click. Registered by the ledger packages; ASP.NET Core maps it with
/// <c>app.MapPaymentLinkRedirect("/go/{name}")</c>, and any other host calls it the same way.
/// </summary>
/// <remarks>
/// Only the links configured in <c>PaymentLinkTracking:Links</c> are redirected to, so a tracked link is never an open
/// redirect. The redirect is built from memory; recording a click is one insert.
/// </remarks>
/// <example>
/// <code>
/// var redirect = await clicks.RecordClickAsync(new PaymentLinkClick
/// {
///     LinkName = "pro-monthly",
///     VisitorId = visitorCookie,
///     Gclid = query["gclid"],
/// });
/// // redirect is null for a name that is not configured; otherwise answer 302 to redirect.Location and keep
/// // redirect.Click.VisitorId in a first-party cookie.
/// </code>
/// </example>
public interface IPaymentLinkClicks
{
    /// <summary>
    /// Builds where the click would go without recording it: for what is not a click (a <c>HEAD</c>, a prefetch, a
    /// link-preview crawler). No I/O.
    /// </summary>
    /// <param name="click">What the request carried; only <see cref="PaymentLinkClick.LinkName"/>, <see cref="PaymentLinkClick.Utm"/> and <see cref="PaymentLinkClick.MerchantReference"/> are read.</param>
    /// <returns>The configured link with the click's UTM codes and no click id; <see langword="null"/> when no link has the name.</returns>
    PaymentLinkRedirect? CreateRedirect(PaymentLinkClick click);

    /// <summary>Records a click and builds where it goes, with the click's id in <c>client_reference_id</c>.</summary>
    /// <remarks>
    /// The answer waits on nothing but memory: the click joins a bounded queue that the ledger writes in batches behind
    /// it (when the queue is full, or the host is stopping, the call writes the click itself). The host's stop writes
    /// what is queued; a process killed outright loses the clicks of the last few milliseconds. The reads below wait
    /// for the clicks queued before them.
    /// </remarks>
    /// <param name="click">What the request carried.</param>
    /// <param name="cancellationToken">Cancels the insert, where the call makes it itself.</param>
    /// <returns>The redirect and the recorded click; <see langword="null"/> (and nothing recorded) when no link has the name.</returns>
    Task<PaymentLinkRedirect?> RecordClickAsync(PaymentLinkClick click, CancellationToken cancellationToken = default);

    /// <summary>Finds a recorded click by its id.</summary>
    /// <param name="clickId">The click's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The click, or <see langword="null"/> when the ledger does not have it (never recorded, erased, or past retention).</returns>
    Task<PaymentLinkClick?> FindClickAsync(string clickId, CancellationToken cancellationToken = default);

    /// <summary>Finds the click a session came from, through the click id in the session's <c>client_reference_id</c>.</summary>
    /// <param name="sessionId">The Checkout Session's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The click, or <see langword="null"/> when the session is unknown, names no click, or its click is gone.</returns>
    Task<PaymentLinkClick?> FindClickForSessionAsync(string sessionId, CancellationToken cancellationToken = default);
}
