namespace PaymentLinks.Tracking;

/// <summary>
/// Joins what the webhook knows (the payment) with what the thank-you page and the link know (the campaign), on the
/// ledger, and reports revenue by campaign. Registered by the ledger engine packages beside
/// <see cref="IPaymentLinkLedger"/>. Safe to share between threads.
/// </summary>
public interface IPaymentLinkAttribution
{
    /// <summary>
    /// Records a visit to the thank-you page for a Checkout Session. The first visit's UTM codes attribute the session;
    /// a later visit (a reload, a shared link) is counted as a revisit and changes nothing. A visit may come before or
    /// after the session's webhook, or for a session the ledger never hears of: a session the ledger does not know is
    /// kept for <see cref="PaymentLinkLedgerOptions.UnclaimedVisitLifetime"/> unless its event is recorded, and at most
    /// <see cref="PaymentLinkLedgerOptions.MaxUnclaimedVisits"/> of them at a time (past it, <see cref="VisitOutcome.NotKept"/>).
    /// </summary>
    /// <param name="sessionId">The session id from the redirect (<c>cs_...</c>).</param>
    /// <param name="utm">The UTM codes the redirect carried.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether this was the session's first visit, or not kept.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a Checkout Session id; nothing is recorded.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a visit to the thank-you page for a Checkout Session, with what the page saw of the buyer's browser (its
    /// cookies, user agent, URL, IP and consent) for forwarding the conversion to Google Analytics 4 and Meta. The UTM
    /// codes attribute the session as in <see cref="RecordVisitAsync(string, UtmCodes, CancellationToken)"/>; of the
    /// details, the first visit's are kept: they speak for the buyer. A later visit that carries the first visit's
    /// <see cref="ThankYouVisitDetails.BrowserKey"/> (the same browser) may change the consent and fill in what was
    /// missing; any other later visit changes nothing.
    /// </summary>
    /// <remarks>
    /// The details are personal data; see <see cref="ThankYouVisitDetails"/> for where they are kept. An implementation
    /// that keeps no details (this method's default) records the visit without them.
    /// </remarks>
    /// <param name="sessionId">The session id from the redirect (<c>cs_...</c>).</param>
    /// <param name="utm">The UTM codes the redirect carried.</param>
    /// <param name="details">What the page saw of the browser, or <see langword="null"/> for nothing.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether this was the session's first visit, or not kept.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a Checkout Session id; nothing is recorded.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, ThankYouVisitDetails? details, CancellationToken cancellationToken = default) =>
        RecordVisitAsync(sessionId, utm, cancellationToken);

    /// <summary>
    /// Registers the UTM codes a campaign key stands for, so that a session whose <c>client_reference_id</c> carries
    /// the key is attributed to them. Registering the same key again is harmless.
    /// </summary>
    /// <param name="key">The key, <see cref="CampaignKey.For(UtmCodes)"/> of <paramref name="utm"/>.</param>
    /// <param name="utm">The UTM codes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the key is on disk.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not the key of <paramref name="utm"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// The key is already registered for other UTM codes (two sets of codes that share a key); nothing is changed.
    /// </exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task RegisterCampaignKeyAsync(CampaignKey key, UtmCodes utm, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports the money of a period, one row per campaign and currency, grouped in the database: the sessions completed
    /// and paid in it, the renewals paid, and the refunds and lost disputes of those and earlier payments made in it.
    /// Sessions that no payment link made are left out unless <see cref="PaymentLinkLedgerOptions.Sessions"/> is
    /// <see cref="PaymentLinkLedgerSessions.All"/>.
    /// </summary>
    /// <param name="since">The period's start (inclusive), or <see langword="null"/> for no start.</param>
    /// <param name="until">The period's end (exclusive), or <see langword="null"/> for no end.</param>
    /// <param name="mode">Live or test data; never both in one report. <value>The default is <see cref="PaymentLinkMode.Live"/>.</value></param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>
    /// The rows, by revenue (net, highest first) then by campaign, source, medium and currency in ordinal order, each with
    /// absent values last. Sessions no source attributes form rows with <see langword="null"/> UTM codes.
    /// </returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since = null, DateTimeOffset? until = null, PaymentLinkMode mode = PaymentLinkMode.Live, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports the money of a period as <see cref="ReportAsync(DateTimeOffset?, DateTimeOffset?, PaymentLinkMode, CancellationToken)"/>
    /// does, with each session's money shared among its touches by <paramref name="model"/>. A session's touches are its
    /// visitor's clicks on tracked links in <see cref="PaymentLinkLedgerOptions.AttributionWindow"/> before it, up to and
    /// including the click named in its <c>client_reference_id</c>; a session without a click the ledger knows has one
    /// touch, the campaign its thank-you visit, campaign key or link metadata names. Every amount and count is shared in
    /// whole minor units by the largest remainder, so that each session's parts add up to it exactly and every model's
    /// columns add up to the same totals; refunds, disputes and renewals are shared as their session is.
    /// </summary>
    /// <param name="since">The period's start (inclusive), or <see langword="null"/> for no start.</param>
    /// <param name="until">The period's end (exclusive), or <see langword="null"/> for no end.</param>
    /// <param name="mode">Live or test data; never both in one report.</param>
    /// <param name="model">How a session's money is shared among its touches. <see cref="AttributionModel.LastClick"/> gives the
    /// click the session came from everything, and is the other overload's answer where there are no clicks.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The rows, ordered as the other overload orders them.</returns>
    /// <exception cref="NotSupportedException">This implementation reports by no model but <see cref="AttributionModel.LastClick"/> (the default implementation's case).</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, CancellationToken cancellationToken = default) =>
        model == AttributionModel.LastClick
            ? ReportAsync(since, until, mode, cancellationToken)
            : throw new NotSupportedException($"This attribution reports by the {AttributionModelNames.Format(AttributionModel.LastClick)} model only.");
}
