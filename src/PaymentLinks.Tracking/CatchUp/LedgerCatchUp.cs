using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Catch-up on the ledger: under the database lease (renewed with each page Stripe answers and each event recorded),
/// lists events from the watermark less <see cref="PaymentLinkCatchUpOptions.Overlap"/> with
/// <see cref="PaymentLinkEventCatchUp"/>, records each (or keeps it as refused when it cannot be read), and moves the
/// watermark to each event's time.
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
        var defaultStart = now - settings.InitialLookback;
        var (taken, watermark) = await ledger.TakeCatchUpLeaseAsync(owner, settings.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (watermark is { } stored)
        {
            // The lag gauge has a value from the first run after a restart, even when the run fails or is skipped.
            PaymentLinkTrackingDiagnostics.ReportCatchUpWatermark(stored);
        }

        if (!taken)
        {
            CatchUpLog.Skipped(logger);
            return new PaymentLinkCatchUpResult { Since = since ?? watermark ?? defaultStart, Skipped = true };
        }

        try
        {
            // Stripe lists by creation time, and an event can become visible after a later one: the window before the
            // watermark is read again each run, which the ledger's idempotency makes free.
            var start = since ?? (watermark is { } mark ? mark - settings.Overlap : defaultStart);
            var earliest = now - PaymentLinkEventCatchUp.EventRetention;
            if (since is null && start < earliest)
            {
                var resumed = earliest + RetentionMargin;
                if (watermark is { } stale && stale < earliest)
                {
                    CatchUpLog.WatermarkBeyondRetention(logger, stale, resumed);
                }

                start = resumed;
            }

            // A run that starts later than where the next one would (the watermark, or the first run's default) leaves
            // the events before it unread: it must not move the watermark past them.
            var movesWatermark = since is null || since <= (watermark ?? defaultStart);
            var entries = listing().ListEntriesAsync(start, RenewLeaseAsync, cancellationToken);
            var result = new PaymentLinkCatchUpResult { Since = start, Watermark = watermark };
            await foreach (var entry in entries.ConfigureAwait(false))
            {
                DateTimeOffset? created;
                if (entry.Refused is { } refused)
                {
                    var isNew = await ledger.RecordRefusedCatchUpEventAsync(refused, cancellationToken).ConfigureAwait(false);
                    if (isNew)
                    {
                        CatchUpLog.EventRefused(logger, refused.EventId, refused.Reason);
                    }

                    result = result with { Refused = result.Refused + 1 };
                    created = refused.Created;
                }
                else
                {
                    var paymentLinkEvent = entry.Event!;
                    var outcome = await ledger.RecordAsync(paymentLinkEvent, cancellationToken).ConfigureAwait(false);
                    result = result with
                    {
                        Read = result.Read + 1,
                        Recorded = result.Recorded + (outcome == LedgerRecordOutcome.Stored ? 1 : 0),
                        AlreadyRecorded = result.AlreadyRecorded + (outcome == LedgerRecordOutcome.Duplicate ? 1 : 0),
                    };
                    created = paymentLinkEvent.Created;
                }

                var advanceTo = movesWatermark && created is { } time && (result.Watermark is null || time > result.Watermark)
                    ? time
                    : (DateTimeOffset?)null;
                await AdvanceAsync(advanceTo, cancellationToken).ConfigureAwait(false);
                result = result with { Watermark = advanceTo ?? result.Watermark };
            }

            CatchUpLog.Completed(logger, result.Since, result.Read, result.Recorded, result.AlreadyRecorded, result.Refused, result.Watermark);
            if (result.Watermark is { } reached)
            {
                PaymentLinkTrackingDiagnostics.ReportCatchUpWatermark(reached);
            }

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

        // Each page Stripe answers renews the lease, so that a long walk back to the oldest page keeps it.
        Task RenewLeaseAsync(CancellationToken token) => AdvanceAsync(null, token);

        async Task AdvanceAsync(DateTimeOffset? advanceTo, CancellationToken token)
        {
            if (!await ledger.AdvanceCatchUpAsync(owner, advanceTo, settings.LeaseDuration, token).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    "Catch-up stopped: its lease ran out while it was stalled and another instance took it over. What was recorded stays recorded.");
            }
        }
    }
}
