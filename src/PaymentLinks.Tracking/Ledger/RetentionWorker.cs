using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>
/// Once an hour: deletes the thank-you visits no session claimed within
/// <see cref="PaymentLinkLedgerOptions.UnclaimedVisitLifetime"/>, and erases personal data (sessions' and clicks') older
/// than <see cref="PaymentLinkLedgerOptions.PersonalDataRetention"/> when that option is set. Each pass after the first
/// also folds the report's delta rows into its sums, and builds the aggregates of a ledger upgraded with money in it.
/// </summary>
internal sealed class RetentionWorker(DbPaymentLinkLedger ledger, TimeSpan? retention, TimeProvider timeProvider, ILogger<RetentionWorker> logger)
    : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first pass erases at start-up when a retention is set; unclaimed visits are also deleted on the visit path,
        // so their first pass waits an interval.
        var started = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (started)
                {
                    await ledger.DeleteExpiredUnclaimedVisitsAsync(stoppingToken).ConfigureAwait(false);

                    // The report's care waits an interval too: nothing opens the ledger at start-up but what was asked.
                    await ledger.MaintainReportAsync(stoppingToken).ConfigureAwait(false);
                }

                started = true;
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LedgerLog.RetentionFailed(logger, exception.GetType().FullName, exception);
            }

            try
            {
                await Task.Delay(Interval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Erases what is older than the retention now; the number of sessions erased.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (retention is not { } keep)
        {
            return 0;
        }

        var cutoff = timeProvider.GetUtcNow() - keep;
        var erased = await ledger.EraseRecordedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);

        // Clicks are personal data too, whether or not a session came of them.
        await ledger.EraseClickedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        if (erased.SessionIds.Count > 0)
        {
            LedgerLog.RetentionErased(logger, erased.SessionIds.Count, keep);
        }

        return erased.SessionIds.Count;
    }
}
