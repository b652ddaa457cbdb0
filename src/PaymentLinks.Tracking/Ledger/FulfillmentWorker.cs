using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>
/// Applies the ledger's schema when the host starts, then calls the registered <see cref="IPaymentLinkFulfillmentHandler"/>
/// for each due session, one at a time, under a lease held in the database. The handler gets the stopping token; its
/// outcome is written with <see cref="ShutdownGrace"/>'s token, so that a handler which returns while the host stops is
/// recorded and not run again after the restart.
/// </summary>
internal sealed class FulfillmentWorker : BackgroundService
{
    private readonly ShutdownGrace _grace = new();
    private readonly DbPaymentLinkLedger _ledger;
    private readonly PaymentLinkLedgerOptions _options;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public FulfillmentWorker(
        DbPaymentLinkLedger ledger, PaymentLinkLedgerOptions options, IServiceScopeFactory scopes, TimeProvider timeProvider, ILogger<FulfillmentWorker> logger)
    {
        _ledger = ledger;
        _options = options;
        _scopes = scopes;
        _timeProvider = timeProvider;
        _logger = logger;
        Owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    }

    /// <summary>Names this worker in the leases it takes.</summary>
    public string Owner { get; }

    /// <summary>Picks each retry's wait between zero and the doubled delay (full jitter).</summary>
    internal Random Jitter { get; init; } = Random.Shared;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host cancels this token when its ShutdownTimeout has passed: until then an outcome can still be written.
        using (_grace.BoundBy(cancellationToken))
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _grace.Dispose();
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // A database that cannot be reached, or a schema that cannot be applied, stops the start-up with the reason.
        await _ledger.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunFulfillment)
        {
            return;
        }

        await using (var scope = _scopes.CreateAsyncScope())
        {
            if (scope.ServiceProvider.GetService<IPaymentLinkFulfillmentHandler>() is null)
            {
                LedgerLog.NoFulfillmentHandler(_logger);
                return;
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await FulfillNextAsync(stoppingToken).ConfigureAwait(false))
                {
                    await _ledger.WaitForDueSessionAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database is down or refused the write: the lease, if one was taken, expires by itself.
                LedgerLog.FulfillmentStoreUnavailable(_logger, exception.GetType().FullName, exception);
                await Task.Delay(_options.PollInterval, _timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claims and fulfils one due session; <see langword="false"/> when none was due.</summary>
    internal async Task<bool> FulfillNextAsync(CancellationToken stoppingToken)
    {
        // What the handler did is written down even while the host stops, until its shutdown timeout runs out.
        var record = _grace.Token;
        var session = await _ledger.ClaimAsync(Owner, _options.LeaseDuration, stoppingToken).ConfigureAwait(false);
        if (session is null)
        {
            // Idle: a good moment to refresh the pending gauge, off the hot path.
            PaymentLinkTrackingDiagnostics.ReportPendingSessions(await _ledger.CountPendingAsync(stoppingToken).ConfigureAwait(false));
            return false;
        }

        using var activity = PaymentLinkTrackingDiagnostics.Source.StartActivity("paymentlinks.fulfill", ActivityKind.Internal);
        activity?.SetTag(PaymentLinkTrackingDiagnostics.SessionIdTag, session.SessionId);

        var attempt = session.FulfillmentAttempts;
        if (attempt > _options.MaxAttempts)
        {
            // Earlier tries ended without an outcome: their process stopped, or the handler outlived its lease.
            var error = $"The lease ran out {attempt - 1} times without an outcome: the process stopped, or the handler outlived its lease.";
            await _ledger.FailAsync(session.SessionId, Owner, null, _timeProvider.GetUtcNow(), error, record).ConfigureAwait(false);
            LedgerLog.FulfillmentParked(_logger, session.SessionId, attempt - 1, error);
            PaymentLinkTrackingDiagnostics.SessionsParked.Add(1);
            activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "parked");
            activity?.SetStatus(ActivityStatusCode.Error, "parked");
            return true;
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        lease.CancelAfter(_options.LeaseDuration);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using (var scope = _scopes.CreateAsyncScope())
            {
                var handler = scope.ServiceProvider.GetRequiredService<IPaymentLinkFulfillmentHandler>();
                await handler.FulfillAsync(session, lease.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await _ledger.ReleaseAsync(session.SessionId, Owner, record).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception)
        {
            PaymentLinkTrackingDiagnostics.FulfillmentDuration.Record(PaymentLinkTrackingDiagnostics.SecondsSince(started));

            // The exception's type only: its message may hold what the handler was given.
            activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().FullName);
            var error = Truncate($"{exception.GetType().FullName}: {exception.Message}");
            if (attempt >= _options.MaxAttempts)
            {
                await _ledger.FailAsync(session.SessionId, Owner, null, _timeProvider.GetUtcNow(), error, record).ConfigureAwait(false);
                LedgerLog.FulfillmentParked(_logger, session.SessionId, attempt, error);
                PaymentLinkTrackingDiagnostics.SessionsParked.Add(1);
                activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "parked");
            }
            else
            {
                var retryDelay = _options.RetryDelayAfter(attempt, Jitter);
                await _ledger.FailAsync(session.SessionId, Owner, retryDelay, null, error, record).ConfigureAwait(false);
                LedgerLog.FulfillmentFailed(_logger, session.SessionId, attempt, retryDelay, error);
                PaymentLinkTrackingDiagnostics.FulfillmentsFailed.Add(1);
                activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "failed");
            }

            return true;
        }

        PaymentLinkTrackingDiagnostics.FulfillmentDuration.Record(PaymentLinkTrackingDiagnostics.SecondsSince(started));
        if (await _ledger.CompleteAsync(session.SessionId, Owner, record).ConfigureAwait(false))
        {
            LedgerLog.Fulfilled(_logger, session.SessionId, attempt);
            PaymentLinkTrackingDiagnostics.SessionsFulfilled.Add(1);
            activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "fulfilled");
        }
        else
        {
            LedgerLog.FulfillmentLeaseLost(_logger, session.SessionId);
            activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "lease_lost");
        }

        return true;
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];
}
