namespace PaymentLinks.Tracking;

/// <summary>
/// The forwarding outbox for people: what was sent where, what failed and why, a retry for what failed, and a check of
/// the configuration against the destinations. Registered by <c>services.AddPaymentLinkForwarding(...)</c> beside a
/// ledger; the console's <c>forwarding list</c>, <c>retry</c> and <c>validate</c> call it. Safe to share between threads.
/// </summary>
public interface IPaymentLinkForwarding
{
    /// <summary>Lists the outbox's conversions, newest first.</summary>
    /// <param name="state">Only the conversions in this state, or <see langword="null"/> for all.</param>
    /// <param name="limit">The most rows returned; from 1 to 10,000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The conversions, one per destination and kind.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is out of range.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<IReadOnlyList<ForwardedConversion>> ListAsync(ForwardingState? state = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a session's failed and dead conversions pending again, with their tries counted from zero. Sent ones are
    /// never sent again; too-old ones stay too old.
    /// </summary>
    /// <param name="sessionId">The Checkout Session's id (<c>cs_...</c>).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many conversions were made pending.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<int> RetryAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes every failed and dead conversion pending again, with its tries counted from zero (the console's
    /// <c>forwarding retry --all</c>). Sent ones are never sent again; too-old ones stay too old. A refund goes again only
    /// after its purchase was accepted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many conversions were made pending.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be reached.</exception>
    Task<int> RetryAllDeadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks each configured destination: GA4 with a sample purchase sent to its <c>/debug/mp/collect</c> (which records
    /// nothing) and its <c>validationMessages</c>; Meta and the webhook by their settings' shape (Meta has no validation
    /// endpoint: use <see cref="MetaForwardingOptions.TestEventCode"/> to see events under Test events).
    /// </summary>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>One result per configured destination.</returns>
    Task<IReadOnlyList<ForwardingValidation>> ValidateAsync(CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IPaymentLinkForwarding.ValidateAsync"/> found for one destination.</summary>
/// <param name="Destination">The destination.</param>
/// <param name="IsValid">Whether the destination accepted the configuration (or, without a validation endpoint, its shape is right).</param>
/// <param name="Messages">The destination's messages (GA4: <c>fieldPath: description (validationCode)</c>), or what was checked.</param>
public sealed record ForwardingValidation(ForwardingDestination Destination, bool IsValid, IReadOnlyList<string> Messages);
