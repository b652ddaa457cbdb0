using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>
/// Works out the report's marks soon after writes made them: a write marks what it changed in its own transaction, and
/// this worker, woken by it, waits <see cref="Gather"/> so that one pass takes the marks of many writes, then works them
/// out in batches (on PostgreSQL each instance's worker takes only the marks no other holds). A report does not depend
/// on it: it works out what is left itself before it reads (on PostgreSQL waiting only for a fold already under way).
/// </summary>
internal sealed class ReportWorker(DbPaymentLinkLedger ledger, ILogger<ReportWorker> logger) : BackgroundService
{
    /// <summary>How long a pass waits after the first mark that woke it, gathering others.</summary>
    internal static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a pass that failed waits before the next.</summary>
    internal static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Nothing opens the ledger before a write in this process has marked something.
                await ledger.WaitForReportMarksAsync(Timeout.InfiniteTimeSpan, stoppingToken).ConfigureAwait(false);
                await Task.Delay(Gather, stoppingToken).ConfigureAwait(false);
                await ledger.WorkOutReportMarksAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The marks stay until a pass succeeds; a report works them out itself meanwhile.
                LedgerLog.ReportMarksFailed(logger, exception.GetType().FullName, exception);
                try
                {
                    await Task.Delay(AfterFailure, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
