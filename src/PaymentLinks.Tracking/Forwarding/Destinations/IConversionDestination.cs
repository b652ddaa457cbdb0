namespace PaymentLinks.Tracking;

/// <summary>
/// A place conversions are forwarded to: an ad platform's conversion API, a CRM, a data warehouse. Implement it and
/// register it with <c>services.AddConversionDestination&lt;T&gt;()</c> beside <c>AddPaymentLinkForwarding(...)</c>: each
/// paid session (and, by <see cref="Kinds"/>, its renewals and refunds) then enters the ledger's outbox for it in the
/// transaction that makes the session paid, and the forwarding worker sends it in batches of at most
/// <see cref="MaxBatchSize"/> under a lease, retries within <see cref="Window"/> with backoff, pauses the destination
/// while it fails (a circuit), and keeps the outcome for <c>forwarding list</c>, the failed and dead lists, the metrics
/// and erasure. The destination only builds a request from a batch and reads the answer.
/// </summary>
/// <remarks>
/// One instance serves every batch, from several threads at once: keep it free of per-request state. Every text it
/// returns (an error, a refusal) is stored and logged with <see cref="Secrets"/> removed; never put a customer's
/// personal data in one.
/// </remarks>
/// <example>
/// <code>
/// public sealed class CrmDestination(IOptions&lt;CrmOptions&gt; options) : IConversionDestination
/// {
///     public string Name =&gt; "crm";
///     public int MaxBatchSize =&gt; 100;
///     public ConversionWindow Window =&gt; ConversionWindow.RetryFor(TimeSpan.FromDays(3));
///     public IReadOnlyCollection&lt;ForwardingKind&gt; Kinds =&gt; [ForwardingKind.Purchase, ForwardingKind.Refund];
///     public IReadOnlyCollection&lt;string&gt; Secrets =&gt; [options.Value.ApiKey];
///     public string? WithheldBecause(ConversionEvent conversion) =&gt; null;
///
///     public async Task&lt;ConversionBatchResult&gt; SendAsync(
///         IReadOnlyList&lt;ConversionEvent&gt; batch, HttpClient client, CancellationToken cancellationToken)
///     {
///         using var response = await client.PostAsJsonAsync(options.Value.Url, batch.Select(c =&gt; new { c.TransactionId, c.Value, c.Currency }), cancellationToken);
///         return ConversionBatchResult.FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), response.Headers.RetryAfter?.Delta);
///     }
/// }
/// </code>
/// </example>
public interface IConversionDestination
{
    /// <summary>
    /// Gets the destination's name: what the outbox stores with each of its conversions, what <c>forwarding list</c>,
    /// the logs and the metrics show. Lower-case letters, digits and <c>_</c>, 1 to 40 characters, unique among the
    /// registered destinations (the built-in ones are <c>google_analytics</c>, <c>meta</c> and <c>webhook</c>). Never
    /// change it once conversions were stored under it: they would stay under the old name.
    /// </summary>
    string Name { get; }

    /// <summary>Gets the most conversions one call of <see cref="SendAsync"/> is given; at least 1.</summary>
    int MaxBatchSize { get; }

    /// <summary>
    /// Gets how long a conversion may still be sent: up to an age by the conversion's own time (an ad platform that
    /// refuses older events), or for a while after it entered the outbox.
    /// </summary>
    ConversionWindow Window { get; }

    /// <summary>
    /// Gets the kinds of conversion the destination takes (<see cref="ForwardingKind.Purchase"/>,
    /// <see cref="ForwardingKind.Renewal"/>, <see cref="ForwardingKind.Refund"/>,
    /// <see cref="ForwardingKind.RefundReversed"/>); the others never enter its outbox. A refund is sent only after its
    /// purchase (or renewal) was accepted by the same destination, and a session's refunds and reversals one after the
    /// other, in the order they entered the outbox.
    /// </summary>
    IReadOnlyCollection<ForwardingKind> Kinds { get; }

    /// <summary>
    /// Gets the configured secrets (tokens, keys): removed from every error the destination returns or an exception
    /// carries before it is stored or logged.
    /// </summary>
    IReadOnlyCollection<string> Secrets { get; }

    /// <summary>
    /// Tells why the destination would refuse <paramref name="conversion"/> whatever the moment (a field it requires
    /// that this conversion cannot have, such as a click id or consent), so that it is kept out of every batch and
    /// listed as <see cref="ForwardingState.Withheld"/> with the reason; <see langword="null"/> when it can be sent.
    /// </summary>
    /// <param name="conversion">The conversion about to be batched.</param>
    /// <returns>The reason, without personal data; or <see langword="null"/>.</returns>
    string? WithheldBecause(ConversionEvent conversion);

    /// <summary>
    /// Sends one batch and reads the answer. The <paramref name="client"/> is the destination's own named client: it
    /// follows no redirect (a redirect ends the call as a refusal naming its <c>Location</c>), and
    /// <paramref name="cancellationToken"/> ends the call at the forwarding's request timeout. A timeout or an
    /// <see cref="HttpRequestException"/> thrown from here is a retry; any other exception is a refusal of the batch.
    /// </summary>
    /// <param name="batch">1 to <see cref="MaxBatchSize"/> conversions, oldest first, none withheld or past the window.</param>
    /// <param name="client">The client to send through.</param>
    /// <param name="cancellationToken">Cancels the request: the host stops or the request timed out.</param>
    /// <returns>What became of the batch.</returns>
    Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken);
}
