namespace PaymentLinks.Tracking;

/// <summary>
/// Fulfils an order once its Checkout Session is paid (or needs no payment): the application's own work, such as
/// granting access or shipping. Registered by the application in DI; the ledger's fulfilment worker resolves it in a
/// scope of its own for each call.
/// </summary>
/// <remarks>
/// <para>
/// The handler runs at least once per fulfillable session: after it returns, the session is marked fulfilled and the
/// handler is never called for it again; when it throws, it is called again with backoff, and parked after
/// <see cref="PaymentLinkLedgerOptions.MaxAttempts"/> tries. A process that stops mid-call (a crash, a deploy) never
/// marks the session, so the call is repeated once its lease expires. Key the handler's own side effect on
/// <see cref="PaymentLinkSession.SessionId"/> so that a repeated call does nothing twice.
/// </para>
/// <para>
/// Two instances never call it for one session at the same time while a lease holds: the cancellation token given to
/// <see cref="FulfillAsync"/> is canceled when the lease
/// (<see cref="PaymentLinkLedgerOptions.LeaseDuration"/>) runs out, after which another instance may take the session.
/// </para>
/// </remarks>
public interface IPaymentLinkFulfillmentHandler
{
    /// <summary>Fulfils the order of a paid session.</summary>
    /// <param name="session">The session as the ledger holds it.</param>
    /// <param name="cancellationToken">Canceled when the lease ends or the host stops.</param>
    /// <returns>A task that completes when the order is fulfilled; a fault makes the worker retry.</returns>
    Task FulfillAsync(PaymentLinkSession session, CancellationToken cancellationToken);
}
