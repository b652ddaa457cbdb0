namespace PaymentLinks.Tracking;

/// <summary>
/// What an operator does with the ledger: lists sessions by state (with the last error of the parked ones), retries
/// fulfilment, lists the events catch-up could not read, erases a customer's personal data, and reads or applies the
/// schema. Registered by the ledger engine packages beside <see cref="IPaymentLinkLedger"/>; served over HTTP by
/// <c>app.MapPaymentLinkAdmin(...)</c> (PaymentLinks.Tracking.AspNetCore) and by the console sample's <c>sessions</c>,
/// <c>reconcile refused</c>, <c>erase</c> and <c>migrate</c>. Safe to share between threads.
/// </summary>
public interface IPaymentLinkAdmin
{
    /// <summary>Lists the sessions in a fulfilment state, the most recent first (pending ones: the longest due first).</summary>
    /// <param name="state">Which sessions.</param>
    /// <param name="limit">At most this many; between 1 and 1,000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The sessions, each with its last fulfilment error.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to 1,000.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<IReadOnlyList<PaymentLinkSession>> ListSessionsAsync(PaymentLinkSessionState state, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a parked session due again, with its count of tries back at zero; the fulfilment worker takes it at its
    /// next poll. A session that is not parked is left as it is.
    /// </summary>
    /// <param name="sessionId">The session's id (<c>cs_...</c>).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether the session was parked and is due again now.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<bool> RetryAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Makes every parked session due again, as <see cref="RetryAsync"/> does for one.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many sessions are due again.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<int> RetryAllParkedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases the personal data of every session whose customer email is <paramref name="email"/> (compared without
    /// regard to case): the email, the metadata and the last fulfilment error. Amounts, currencies, campaigns, times
    /// and counts stay, so reports do not change. A later event for an erased session is recorded without them.
    /// </summary>
    /// <param name="email">The customer's email address.</param>
    /// <param name="cancellationToken">Cancels the erasure; nothing is erased then.</param>
    /// <returns>The sessions erased.</returns>
    /// <exception cref="ArgumentException"><paramref name="email"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="email"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<PaymentLinkErasure> EraseByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases the personal data of one session, as <see cref="EraseByEmailAsync"/> does. A session the ledger has not
    /// heard of yet is remembered as erased, so that its events are recorded without personal data when they come.
    /// </summary>
    /// <param name="sessionId">The session's id (<c>cs_...</c>).</param>
    /// <param name="cancellationToken">Cancels the erasure; nothing is erased then.</param>
    /// <returns>The session, when the ledger had it.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a Checkout Session id.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<PaymentLinkErasure> EraseSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the sessions waiting for fulfilment and the parked ones, the events catch-up refused and the dead conversions
    /// of the forwarding outbox, and reads the catch-up watermark.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ledger's state, as the health check reports it.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<PaymentLinkLedgerStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the events catch-up listed but could not read (<see cref="PaymentLinkLedgerStatus.RefusedCatchUpEvents"/>
    /// counts them), the most recently refused first, each with the reason and its JSON as Stripe wrote it. Catch-up
    /// moved past them; they stay until a person has looked at them.
    /// </summary>
    /// <param name="limit">At most this many; between 1 and 1,000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The refused events.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to 1,000.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<IReadOnlyList<RefusedCatchUpEvent>> ListRefusedCatchUpEventsAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Reads which schema versions the database has and which this library needs, without changing anything.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The schema's state.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<PaymentLinkLedgerSchema> GetSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the schema scripts the database lacks, whatever <see cref="PaymentLinkLedgerOptions.ApplyMigrations"/>
    /// says: for a deployment step run with a login that may change the schema.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration; its transaction is rolled back.</param>
    /// <returns>The schema's state afterwards.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached or refused a change.</exception>
    Task<PaymentLinkLedgerSchema> ApplyMigrationsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Works the campaign report's aggregates out again from the ledger, in batches of 1,000 sessions, renewals, refunded
    /// charges and disputes a transaction, while webhooks keep being recorded: after a bulk load, a repair, or to build
    /// them at once on a ledger upgraded with money in it (the retention worker does that an hour after start-up).
    /// Running it twice changes nothing.
    /// </summary>
    /// <param name="since">Only what has money moving from this instant on; <see langword="null"/> (the default) for everything, which also marks the aggregates built.</param>
    /// <param name="cancellationToken">Cancels the rebuild between batches; the batches done stay done.</param>
    /// <returns>How many sessions, renewals, refunded charges and disputes were worked out.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<long> RebuildReportAsync(DateTimeOffset? since = null, CancellationToken cancellationToken = default);
}
