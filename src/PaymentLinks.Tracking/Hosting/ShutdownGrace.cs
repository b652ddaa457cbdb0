namespace PaymentLinks.Tracking;

/// <summary>
/// The token a hosted worker writes down the outcome of finished work with, so that a handler which returns while the
/// host is stopping (a deploy, SIGTERM) is still recorded. It is not cancelled when the host starts stopping, only when
/// the host's own stop token is: the host cancels that one when <c>HostOptions.ShutdownTimeout</c> has passed since the
/// stop began. The work itself keeps the stopping token.
/// </summary>
/// <example>
/// <code>
/// private readonly ShutdownGrace _grace = new();
///
/// public override async Task StopAsync(CancellationToken cancellationToken)
/// {
///     using (_grace.BoundBy(cancellationToken))
///     {
///         await base.StopAsync(cancellationToken);
///     }
/// }
///
/// // In ExecuteAsync: the work gets stoppingToken, the write of its outcome gets _grace.Token.
/// </code>
/// </example>
internal sealed class ShutdownGrace : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    /// <summary>Gets the token for recording outcomes: cancelled only when the host's shutdown timeout has passed.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>
    /// Ties <see cref="Token"/> to the token the host passes to <c>IHostedService.StopAsync</c>, which it cancels when
    /// its shutdown timeout runs out. Call it before the stopping token is cancelled (first thing in <c>StopAsync</c>).
    /// </summary>
    /// <returns>The registration; dispose it when the stop is over.</returns>
    public CancellationTokenRegistration BoundBy(CancellationToken hostStopToken) =>
        hostStopToken.Register(static source => ((CancellationTokenSource)source!).Cancel(), _source);

    public void Dispose() => _source.Dispose();
}
