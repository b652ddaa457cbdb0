namespace PaymentLinks.Tracking;

/// <summary>
/// A durable record of payment-link Checkout Sessions and of every webhook event processed for them. Registered by an
/// engine package: <c>.AddSqliteLedger(...)</c> (PaymentLinks.Tracking.Sqlite) or <c>.AddPostgreSqlLedger(...)</c>
/// (PaymentLinks.Tracking.PostgreSql). Safe to share between threads.
/// </summary>
/// <remarks>
/// An event is recorded once by its id: a redelivery changes nothing and is reported as
/// <see cref="LedgerRecordOutcome.Duplicate"/>. A session's state only moves forward, whatever the order events arrive
/// in: timestamps are set once, and a status never goes back to an earlier one.
/// </remarks>
public interface IPaymentLinkLedger
{
    /// <summary>
    /// Records a verified event and merges its Checkout Session into the session's row, in one transaction. An event
    /// whose <see cref="PaymentLinkEvent.Checkout"/> is <see langword="null"/> or whose kind is
    /// <see cref="PaymentLinkEventKind.Ignored"/> is recorded without changing a session.
    /// </summary>
    /// <param name="paymentLinkEvent">The verified event.</param>
    /// <param name="cancellationToken">Cancels the write; the transaction is then rolled back.</param>
    /// <returns>Whether the event was stored now or had been stored before.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paymentLinkEvent"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached or refused the write.</exception>
    Task<LedgerRecordOutcome> RecordAsync(PaymentLinkEvent paymentLinkEvent, CancellationToken cancellationToken = default);

    /// <summary>Reads a Checkout Session's row.</summary>
    /// <param name="sessionId">The session's id (<c>cs_...</c>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The session, or <see langword="null"/> when no event for it was recorded.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<PaymentLinkSession?> FindSessionAsync(string sessionId, CancellationToken cancellationToken = default);
}
