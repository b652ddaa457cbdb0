using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Catch-up on the ledger: under the database lease, lists events from the watermark with
/// <see cref="PaymentLinkEventCatchUp"/>, records each, and moves the watermark to each recorded event's time.
/// </summary>
internal sealed class LedgerCatchUp(
    DbPaymentLinkLedger ledger,
    Func<PaymentLinkEventCatchUp> listing,
    IOptions<PaymentLinkCatchUpOptions> options,
    TimeProvider timeProvider,
    ILogger<LedgerCatchUp> logger) : IPaymentLinkLedgerCatchUp
{
    // A watermark Stripe no longer covers is replaced by the earliest point it does, this much later, so that the
    // listing's own clock reading still finds it inside the 30 days.
    private static readonly TimeSpan RetentionMargin = TimeSpan.FromMinutes(1);

    public async Task<PaymentLinkCatchUpResult> RunAsync(DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        var now = timeProvider.GetUtcNow();
        var (taken, watermark) = await ledger.TakeCatchUpLeaseAsync(owner, settings.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (!taken)
        {
            CatchUpLog.Skipped(logger);
            return new PaymentLinkCatchUpResult { Since = since ?? watermark ?? now - settings.InitialLookback, Skipped = true };
        }

        try
        {
            var start = since ?? watermark ?? now - settings.InitialLookback;
            if (since is null && watermark is { } stale && stale < now - PaymentLinkEventCatchUp.EventRetention)
            {
                start = now - PaymentLinkEventCatchUp.EventRetention + RetentionMargin;
                CatchUpLog.WatermarkBeyondRetention(logger, stale, start);
            }

            // A run that starts after the watermark would leave a gap behind a moved watermark.
            var movesWatermark = since is null || watermark is null || since <= watermark;
            var events = listing().ListAsync(start, cancellationToken);
            var result = new PaymentLinkCatchUpResult { Since = start, Watermark = watermark };
            await foreach (var paymentLinkEvent in events.ConfigureAwait(false))
            {
                var outcome = await ledger.RecordAsync(paymentLinkEvent, cancellationToken).ConfigureAwait(false);
                result = result with
                {
                    Read = result.Read + 1,
                    Recorded = result.Recorded + (outcome == LedgerRecordOutcome.Stored ? 1 : 0),
                    AlreadyRecorded = result.AlreadyRecorded + (outcome == LedgerRecordOutcome.Duplicate ? 1 : 0),
                };

                var advanceTo = movesWatermark && (result.Watermark is null || paymentLinkEvent.Created > result.Watermark)
                    ? paymentLinkEvent.Created
                    : (DateTimeOffset?)null;
                if (!await ledger.AdvanceCatchUpAsync(owner, advanceTo, settings.LeaseDuration, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException(
                        "Catch-up stopped: its lease ran out while it was stalled and another instance took it over. What was recorded stays recorded.");
                }

                result = result with { Watermark = advanceTo ?? result.Watermark };
            }

            CatchUpLog.Completed(logger, result.Since, result.Read, result.Recorded, result.AlreadyRecorded, result.Watermark);
            return result;
        }
        finally
        {
            // Not cancelled with the run: a lease left behind would keep other instances waiting until it runs out.
            try
            {
                await ledger.ReleaseCatchUpLeaseAsync(owner, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                CatchUpLog.LeaseNotReleased(logger, exception.GetType().FullName);
            }
        }
    }
}
