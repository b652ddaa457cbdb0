namespace PaymentLinks.Tracking;

/// <summary>
/// Records in the ledger the <c>checkout.session.*</c> events a webhook endpoint missed, listed from Stripe's Events API
/// since the ledger's watermark. Registered by <c>AddPaymentLinkStripeApi()</c>; it needs a ledger too
/// (<c>AddSqliteLedger(...)</c> or <c>AddPostgreSqlLedger(...)</c>). Safe to share between threads.
/// </summary>
/// <remarks>
/// <para>
/// Each event is recorded through <see cref="IPaymentLinkLedger.RecordAsync"/>, the path a webhook takes: a run twice over
/// the same events, or alongside live webhooks, changes nothing. The ledger keeps a watermark, the
/// <see cref="PaymentLinkEvent.Created"/> time of the newest event a run recorded, moved forward only past events
/// recorded, so a run that stops midway (Stripe unreachable, the process killed) leaves no gap: the next one starts at
/// the watermark itself, since several events share one second.
/// </para>
/// <para>
/// One instance runs catch-up at a time: a run takes a lease in the database, and a run that finds it held by another
/// instance does nothing and says so (<see cref="PaymentLinkCatchUpResult.Skipped"/>). The lease is extended as the run
/// goes; a dead instance's lease runs out after <see cref="PaymentLinkCatchUpOptions.LeaseDuration"/>.
/// </para>
/// <para>
/// Stripe keeps events for 30 days (<see cref="PaymentLinkEventCatchUp.EventRetention"/>): events of an outage longer
/// than that can no longer be listed.
/// </para>
/// </remarks>
public interface IPaymentLinkLedgerCatchUp
{
    /// <summary>
    /// Lists the events Stripe created since <paramref name="since"/>, or else since the watermark, or on the first
    /// run <see cref="PaymentLinkCatchUpOptions.InitialLookback"/> back, and records each in the ledger.
    /// </summary>
    /// <param name="since">
    /// Where to start; <see langword="null"/> for the watermark. The watermark moves only when the run starts at or
    /// before it (or there is none yet): a run that starts later leaves the events before it unlisted.
    /// </param>
    /// <param name="cancellationToken">Cancels the run; what was recorded stays recorded, and the watermark with it.</param>
    /// <returns>How many events were read, recorded and already recorded, and where the run started.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="since"/> is more than 30 days ago: Stripe no longer lists those events.
    /// </exception>
    /// <exception cref="StripeRequestException">
    /// Stripe refused the listing (e.g. 401 for a wrong key) or could not be reached; the message names no key and
    /// copies no answer. What was recorded before stays, and the watermark with it.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// No Stripe key is configured, or another instance took the lease over while this run was stalled.
    /// </exception>
    /// <exception cref="System.Data.Common.DbException">The ledger could not be reached or refused a write.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<PaymentLinkCatchUpResult> RunAsync(DateTimeOffset? since = null, CancellationToken cancellationToken = default);
}
