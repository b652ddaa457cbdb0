using System.Data.Common;

namespace PaymentLinks.Tracking;

/// <summary>
/// The ledger on any ADO.NET engine, with the SQL that differs between engines in a <see cref="LedgerDialect"/>: the one
/// object registered, made of one class per concern over a shared <see cref="LedgerStore"/>. It says here which concerns
/// one event touches, in one <see cref="LedgerUnit"/>; each concern's SQL is its own class's.
/// </summary>
internal sealed class DbPaymentLinkLedger : IPaymentLinkLedger, IPaymentLinkAttribution, IPaymentLinkClicks, IPaymentLinkAdmin, IDisposable
{
    /// <inheritdoc cref="LedgerAdmin.ErasedError"/>
    internal const string ErasedError = LedgerAdmin.ErasedError;

    /// <inheritdoc cref="LedgerAdmin.ErasedPayload"/>
    internal const string ErasedPayload = LedgerAdmin.ErasedPayload;

    private readonly LedgerStore _store;
    private readonly SessionLedger _sessions;
    private readonly AttributionLedger _attribution;
    private readonly RevenueLedger _revenue;
    private readonly ForwardingOutbox _outbox;
    private readonly CatchUpBookkeeping _catchUp;
    private readonly LedgerAdmin _admin;
    private readonly ClickLedger _clicks;
    private readonly ReportAggregates _aggregates;
    private readonly Func<IPaymentLinkUrlFactory?> _links;
    private readonly SemaphoreSlim _reportMarked = new(0, 1);

    public DbPaymentLinkLedger(
        LedgerDialect dialect,
        TimeProvider timeProvider,
        PaymentLinkLedgerSessions sessionsFulfilled = PaymentLinkLedgerSessions.PaymentLinks,
        Func<ForwardingPlan?>? forwardingPlan = null,
        bool applyMigrations = true,
        int maxUnclaimedVisits = 10_000,
        TimeSpan? unclaimedVisitLifetime = null,
        Func<IPaymentLinkUrlFactory?>? links = null,
        TimeSpan? attributionWindow = null,
        TimeSpan? timeDecayHalfLife = null)
    {
        _links = links ?? (() => null);
        _store = new LedgerStore(dialect, timeProvider, sessionsFulfilled, applyMigrations);
        _sessions = new SessionLedger(_store);
        _attribution = new AttributionLedger(
            _store, maxUnclaimedVisits, unclaimedVisitLifetime ?? TimeSpan.FromDays(1), attributionWindow ?? TimeSpan.FromDays(30), timeDecayHalfLife ?? TimeSpan.FromDays(7));
        _revenue = new RevenueLedger(_store);
        _aggregates = new ReportAggregates(_store, _attribution) { Marked = SignalReportMarked };
        _attribution.Aggregates = _aggregates;
        _outbox = new ForwardingOutbox(_store, forwardingPlan);
        _catchUp = new CatchUpBookkeeping(_store);
        _clicks = new ClickLedger(_store) { Aggregates = _aggregates };
        _admin = new LedgerAdmin(_store, _sessions, _attribution, _outbox, _catchUp, _clicks);
    }

    /// <summary>
    /// Takes the forwarding outbox's place as what hears of a session's refunded amount rising, inside the refund's write
    /// transaction (a fault rolls the event back: the webhook then answers 503 and Stripe delivers it again); tests observe
    /// the rises with it. <see langword="null"/> (the default): the outbox.
    /// </summary>
    internal Func<DbConnection, DbTransaction, SessionRefundChange, CancellationToken, Task>? SessionRefundChanged { get; set; }

    /// <summary>
    /// Whether recording an event keeps the report's aggregates (the default). report-bench turns it off to measure the
    /// write path without them, side by side; a ledger written with it off needs a rebuild.
    /// </summary>
    internal bool KeepsReportAggregates { get; set; } = true;

    /// <summary>Whether several transactions write at once (PostgreSQL), rather than one at a time (SQLite).</summary>
    internal bool ConcurrentWriters => _store.Dialect.ConcurrentWriters;

    /// <inheritdoc cref="ReportAggregates.AfterPiecesRead"/>
    internal Func<CancellationToken, Task>? AfterReportPiecesRead
    {
        get => _aggregates.AfterPiecesRead;
        set => _aggregates.AfterPiecesRead = value;
    }

    /// <summary>
    /// Whether a refund's session is wanted: forwarding is configured, or an observer took its place. Without either,
    /// recording a refund does not look its session up.
    /// </summary>
    private bool RefundedSessionWanted => SessionRefundChanged is not null || _outbox.ForwardingPlan is not null;

    /// <summary>
    /// Records an event in one unit of work: its row, then what it changes (a checkout: its session, campaign, payment and,
    /// once paid, its conversions in the outbox; a refund, dispute or invoice: the money, and a refund's rise in the
    /// outbox). All of it is stored or none; the workers are woken after the commit.
    /// </summary>
    public async Task<LedgerRecordOutcome> RecordAsync(PaymentLinkEvent paymentLinkEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paymentLinkEvent);
        await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var checkout = paymentLinkEvent.IsCheckoutKind ? paymentLinkEvent.Checkout : null;
        var now = _store.TimeProvider.GetUtcNow();

        await using var unit = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (!await _sessions.RecordEventAsync(unit, paymentLinkEvent, now, cancellationToken).ConfigureAwait(false))
        {
            await unit.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return LedgerRecordOutcome.Duplicate;
        }

        if (checkout is not null)
        {
            await _sessions.MergeSessionAsync(unit, paymentLinkEvent, checkout, now, cancellationToken).ConfigureAwait(false);
            await _attribution.MergeSessionCampaignAsync(unit, checkout, cancellationToken).ConfigureAwait(false);
            await _attribution.ClaimVisitAsync(unit, checkout.SessionId, cancellationToken).ConfigureAwait(false);
            await _revenue.MergeSessionPaymentAsync(unit, checkout, cancellationToken).ConfigureAwait(false);
        }
        else if (await _revenue.MergeMoneyAsync(unit, paymentLinkEvent, RefundedSessionWanted, cancellationToken).ConfigureAwait(false) is { } refund)
        {
            // Refunds, disputes and invoices: the same transaction as the event's row, so the webhook and catch-up agree.
            // A refund that raises a session's refunded amount enters the outbox in the refund's own transaction.
            if (SessionRefundChanged is { } observer)
            {
                await observer(unit.Connection, unit.Transaction!, refund, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Dated when Stripe made it, not when the ledger heard of it.
                await _outbox.EnqueueRefundAsync(unit, refund, paymentLinkEvent.Created, cancellationToken).ConfigureAwait(false);
            }
        }

        // A renewal goes out as a conversion of its own; a refund that failed after it went out, as its reversal.
        var moneyDue = paymentLinkEvent switch
        {
            { Kind: PaymentLinkEventKind.InvoicePaid, Invoice: { } invoice } =>
                await _outbox.EnqueueRenewalAsync(unit, invoice.InvoiceId, cancellationToken).ConfigureAwait(false),
            { Kind: PaymentLinkEventKind.RefundUpdated, Refund: { Status: "failed" or "canceled" } failedRefund } =>
                await _outbox.EnqueueRefundReversedAsync(unit, failedRefund, paymentLinkEvent.Created, cancellationToken).ConfigureAwait(false),
            _ => false,
        };

        // The conversion enters the outbox in the transaction that makes the session paid: never sent before it is
        // stored, never forgotten after a crash.
        var conversionDue = checkout is not null && paymentLinkEvent.ShouldFulfill
            && await _outbox.EnqueuePurchaseAsync(unit, checkout.SessionId, now, cancellationToken).ConfigureAwait(false);

        // The report's mark, in the same transaction: the piece it changed is worked out before any report reads it.
        if (KeepsReportAggregates)
        {
            await _aggregates.MarkEventAsync(unit, paymentLinkEvent, cancellationToken).ConfigureAwait(false);
        }

        await unit.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (paymentLinkEvent.ShouldFulfill)
        {
            _sessions.SignalSessionDue();
        }

        if (conversionDue || moneyDue)
        {
            _outbox.SignalConversionDue();
        }

        return LedgerRecordOutcome.Stored;
    }

    /// <inheritdoc cref="LedgerStore.EnsureSchemaAsync"/>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => _store.EnsureSchemaAsync(cancellationToken);

    /// <summary>Writes the clicks queued behind the redirect, and any queued later is written by its request: when the host stops.</summary>
    public Task FlushClicksAsync(CancellationToken cancellationToken) => _clicks.Writer.FlushAsync(cancellationToken);

    /// <inheritdoc cref="ClickLedger.WaitForQueuedAsync"/>
    internal Task WaitForQueuedClicksAsync(CancellationToken cancellationToken) => _clicks.WaitForQueuedAsync(cancellationToken);

    /// <summary>Where the click writer logs a batch it could not write.</summary>
    internal Microsoft.Extensions.Logging.ILogger ClickLog
    {
        set => _clicks.Writer.Logger = value;
    }

    public void Dispose()
    {
        _clicks.Dispose();
        _reportMarked.Dispose();
        _sessions.Dispose();
        _outbox.Dispose();
        _store.Dispose();
    }

    // Sessions and their fulfilment.
    public Task<PaymentLinkSession?> FindSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        _sessions.FindSessionAsync(sessionId, cancellationToken);

    /// <inheritdoc cref="SessionLedger.ClaimAsync"/>
    public Task<PaymentLinkSession?> ClaimAsync(string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        _sessions.ClaimAsync(owner, lease, cancellationToken);

    /// <inheritdoc cref="SessionLedger.CompleteAsync"/>
    public Task<bool> CompleteAsync(string sessionId, string owner, CancellationToken cancellationToken) =>
        _sessions.CompleteAsync(sessionId, owner, cancellationToken);

    /// <inheritdoc cref="SessionLedger.FailAsync"/>
    public Task<bool> FailAsync(string sessionId, string owner, TimeSpan? retryAfter, DateTimeOffset? parkedAt, string error, CancellationToken cancellationToken) =>
        _sessions.FailAsync(sessionId, owner, retryAfter, parkedAt, error, cancellationToken);

    /// <inheritdoc cref="SessionLedger.ReleaseAsync"/>
    public Task<bool> ReleaseAsync(string sessionId, string owner, CancellationToken cancellationToken) =>
        _sessions.ReleaseAsync(sessionId, owner, cancellationToken);

    /// <inheritdoc cref="SessionLedger.WaitForDueSessionAsync"/>
    public Task WaitForDueSessionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _sessions.WaitForDueSessionAsync(timeout, cancellationToken);

    // Attribution.
    public Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, CancellationToken cancellationToken = default) =>
        _attribution.RecordVisitAsync(sessionId, utm, null, cancellationToken);

    public Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, ThankYouVisitDetails? details, CancellationToken cancellationToken = default) =>
        _attribution.RecordVisitAsync(sessionId, utm, details, cancellationToken);

    /// <inheritdoc cref="AttributionLedger.DeleteExpiredUnclaimedVisitsAsync"/>
    internal Task<int> DeleteExpiredUnclaimedVisitsAsync(CancellationToken cancellationToken) =>
        _attribution.DeleteExpiredUnclaimedVisitsAsync(cancellationToken);

    public Task RegisterCampaignKeyAsync(CampaignKey key, UtmCodes utm, CancellationToken cancellationToken = default) =>
        _attribution.RegisterCampaignKeyAsync(key, utm, cancellationToken);

    public Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since = null, DateTimeOffset? until = null, PaymentLinkMode mode = PaymentLinkMode.Live, CancellationToken cancellationToken = default) =>
        ReportAsync(since, until, mode, AttributionModel.LastClick, cancellationToken);

    /// <remarks>
    /// The clicks answered before the report are written first, so that the report counts them as touches. Every model is
    /// read from the aggregates (each session's money split over its touches when it was written, and again when a click
    /// or an erasure changed them), the ledger's rows only for a partial first or last hour.
    /// </remarks>
    public async Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, CancellationToken cancellationToken = default)
    {
        await _clicks.WaitForQueuedAsync(cancellationToken).ConfigureAwait(false);
        return await _aggregates.ReportAsync(since, until, mode, model, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="AttributionLedger.ScanReportAsync"/>
    internal Task<IReadOnlyList<CampaignReportRow>> ScanReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, CancellationToken cancellationToken = default) =>
        _attribution.ScanReportAsync(since, until, mode, edge: false, cancellationToken);

    /// <summary>The report by <paramref name="model"/> worked out from the ledger's rows alone: the aggregates' oracle.</summary>
    internal async Task<IReadOnlyList<CampaignReportRow>> ScanReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, CancellationToken cancellationToken = default)
    {
        await _clicks.WaitForQueuedAsync(cancellationToken).ConfigureAwait(false);
        return await _attribution.ReportAsync(since, until, mode, model, edge: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes clicks as the queued writer does, in one transaction (tests write late clicks with it).</summary>
    internal Task RecordClicksAsync(IReadOnlyList<PaymentLinkClick> clicks, CancellationToken cancellationToken = default) =>
        _clicks.RecordClicksAsync(clicks, cancellationToken);

    public Task<long> RebuildReportAsync(DateTimeOffset? since = null, CancellationToken cancellationToken = default) =>
        _aggregates.RebuildAsync(since, 1_000, null, cancellationToken);

    /// <inheritdoc cref="ReportAggregates.RebuildAsync"/>
    internal Task<long> RebuildReportAsync(DateTimeOffset? since, int batchSize, IProgress<long>? progress, CancellationToken cancellationToken) =>
        _aggregates.RebuildAsync(since, batchSize, progress, cancellationToken);

    /// <inheritdoc cref="ReportAggregates.FoldAsync"/>
    internal Task<long> FoldReportAsync(int maxBatches, CancellationToken cancellationToken) => _aggregates.FoldAsync(maxBatches, cancellationToken);

    /// <summary>
    /// The retention worker's care of the report: builds the aggregates of a ledger upgraded with money in it, works out
    /// any mark left (by an instance that stopped before its report worker did), and folds the delta rows written since
    /// its last pass.
    /// </summary>
    internal async Task MaintainReportAsync(CancellationToken cancellationToken)
    {
        if (!await _aggregates.IsBuiltAsync(cancellationToken).ConfigureAwait(false))
        {
            await _aggregates.RebuildAsync(null, 1_000, null, cancellationToken).ConfigureAwait(false);
        }

        await _aggregates.WorkOutMarksAsync(null, cancellationToken).ConfigureAwait(false);
        await _aggregates.FoldAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The report worker's pass: works out the marks no other fold holds, then folds the delta rows when more than a
    /// fold's batch wait. The number of marks worked out.
    /// </summary>
    internal async Task<long> WorkOutReportMarksAsync(CancellationToken cancellationToken)
    {
        var marks = await _aggregates.WorkOutMarksAsync(null, cancellationToken).ConfigureAwait(false);
        await _aggregates.FoldIfBehindAsync(cancellationToken).ConfigureAwait(false);
        return marks;
    }

    /// <summary>Waits until a write marked a piece of the report (in this process), or <paramref name="timeout"/>.</summary>
    internal Task<bool> WaitForReportMarksAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _reportMarked.WaitAsync(timeout, cancellationToken);

    private void SignalReportMarked()
    {
        try
        {
            _reportMarked.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        catch (ObjectDisposedException)
        {
            // The ledger is being disposed: the marks wait for the next pass of any instance, or the next report.
        }
    }

    // Clicks on tracked links.
    public PaymentLinkRedirect? CreateRedirect(PaymentLinkClick click) =>
        ClickRedirects.Link(_links(), click) is { } link ? new PaymentLinkRedirect(link.ToUri(), null) : null;

    public async Task<PaymentLinkRedirect?> RecordClickAsync(PaymentLinkClick click, CancellationToken cancellationToken = default)
    {
        if (ClickRedirects.Link(_links(), click) is not { } link)
        {
            return null;
        }

        // Answered from memory: the click is written behind the answer (see ClickWriter).
        var recorded = ClickRedirects.Recorded(click, link, _store.TimeProvider.GetUtcNow());
        await _clicks.QueueClickAsync(recorded, cancellationToken).ConfigureAwait(false);
        return ClickRedirects.Redirect(link, recorded);
    }

    public Task<PaymentLinkClick?> FindClickAsync(string clickId, CancellationToken cancellationToken = default) =>
        _clicks.FindClickAsync(clickId, cancellationToken);

    public Task<PaymentLinkClick?> FindClickForSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        _clicks.FindClickForSessionAsync(sessionId, cancellationToken);

    /// <inheritdoc cref="ClickLedger.EraseClickedBeforeAsync"/>
    public Task<int> EraseClickedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        _clicks.EraseClickedBeforeAsync(cutoff, cancellationToken);

    // The forwarding outbox.

    /// <inheritdoc cref="ForwardingOutbox.WaitForDueConversionAsync"/>
    public Task WaitForDueConversionAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _outbox.WaitForDueConversionAsync(timeout, cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.EnqueueRefundAsync(string, string, long, string?, DateTimeOffset, CancellationToken)"/>
    internal Task<bool> EnqueueRefundAsync(
        string sessionId, string refundKey, long amount, string? currency, DateTimeOffset refundedAt, CancellationToken cancellationToken) =>
        _outbox.EnqueueRefundAsync(sessionId, refundKey, amount, currency, refundedAt, cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.ClaimConversionsAsync"/>
    /// <remarks>The clicks answered before the claim are written first, so that a row finds its session's click.</remarks>
    public async Task<IReadOnlyList<OutboxRow>> ClaimConversionsAsync(
        ForwardingDestination destination, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _clicks.WaitForQueuedAsync(cancellationToken).ConfigureAwait(false);
        return await _outbox.ClaimConversionsAsync(destination, owner, limit, lease, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="ForwardingOutbox.RecordOutcomesAsync"/>
    public Task RecordOutcomesAsync(string owner, IReadOnlyCollection<OutboxOutcome> outcomes, CancellationToken cancellationToken) =>
        _outbox.RecordOutcomesAsync(owner, outcomes, cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.MakeWaitingDueAsync"/>
    public Task<int> MakeWaitingConversionsDueAsync(ForwardingDestination destination, CancellationToken cancellationToken) =>
        _outbox.MakeWaitingDueAsync(destination, cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.DeleteSentBeforeAsync"/>
    public Task<int> DeleteSentConversionsBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken) =>
        _outbox.DeleteSentBeforeAsync(cutoff, limit, cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.CountPendingConversionsAsync"/>
    public Task<long> CountPendingConversionsAsync(CancellationToken cancellationToken) => _outbox.CountPendingConversionsAsync(cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.ListConversionsAsync"/>
    public Task<IReadOnlyList<ForwardedConversion>> ListConversionsAsync(ForwardingState? state, string? sessionId, int limit, CancellationToken cancellationToken) =>
        _outbox.ListConversionsAsync(state, sessionId, limit, cancellationToken);

    /// <inheritdoc cref="ForwardingOutbox.RetryConversionsAsync"/>
    public Task<int> RetryConversionsAsync(string? sessionId, CancellationToken cancellationToken) =>
        _outbox.RetryConversionsAsync(sessionId, cancellationToken);

    // Catch-up's bookkeeping.

    /// <inheritdoc cref="CatchUpBookkeeping.TakeCatchUpLeaseAsync"/>
    public Task<(bool Taken, DateTimeOffset? Watermark)> TakeCatchUpLeaseAsync(string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        _catchUp.TakeCatchUpLeaseAsync(owner, lease, cancellationToken);

    /// <inheritdoc cref="CatchUpBookkeeping.AdvanceCatchUpAsync"/>
    public Task<bool> AdvanceCatchUpAsync(string owner, DateTimeOffset? watermark, TimeSpan lease, CancellationToken cancellationToken) =>
        _catchUp.AdvanceCatchUpAsync(owner, watermark, lease, cancellationToken);

    /// <inheritdoc cref="CatchUpBookkeeping.ReleaseCatchUpLeaseAsync"/>
    public Task ReleaseCatchUpLeaseAsync(string owner, CancellationToken cancellationToken) => _catchUp.ReleaseCatchUpLeaseAsync(owner, cancellationToken);

    /// <inheritdoc cref="CatchUpBookkeeping.ReadCatchUpWatermarkAsync(CancellationToken)"/>
    public Task<DateTimeOffset?> ReadCatchUpWatermarkAsync(CancellationToken cancellationToken) => _catchUp.ReadCatchUpWatermarkAsync(cancellationToken);

    /// <inheritdoc cref="CatchUpBookkeeping.RecordRefusedCatchUpEventAsync"/>
    public Task<bool> RecordRefusedCatchUpEventAsync(RefusedCatchUpEvent refused, CancellationToken cancellationToken) =>
        _catchUp.RecordRefusedCatchUpEventAsync(refused, cancellationToken);

    public Task<IReadOnlyList<RefusedCatchUpEvent>> ListRefusedCatchUpEventsAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        _catchUp.ListRefusedCatchUpEventsAsync(limit, cancellationToken);

    /// <inheritdoc cref="CatchUpBookkeeping.CountRefusedCatchUpEventsAsync(CancellationToken)"/>
    public Task<long> CountRefusedCatchUpEventsAsync(CancellationToken cancellationToken) => _catchUp.CountRefusedCatchUpEventsAsync(cancellationToken);

    // Administration.
    public Task<IReadOnlyList<PaymentLinkSession>> ListSessionsAsync(PaymentLinkSessionState state, int limit = 100, CancellationToken cancellationToken = default) =>
        _admin.ListSessionsAsync(state, limit, cancellationToken);

    public Task<bool> RetryAsync(string sessionId, CancellationToken cancellationToken = default) => _admin.RetryAsync(sessionId, cancellationToken);

    public Task<int> RetryAllParkedAsync(CancellationToken cancellationToken = default) => _admin.RetryAllParkedAsync(cancellationToken);

    public Task<PaymentLinkErasure> EraseByEmailAsync(string email, CancellationToken cancellationToken = default) =>
        _admin.EraseByEmailAsync(email, cancellationToken);

    public Task<PaymentLinkErasure> EraseSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        _admin.EraseSessionAsync(sessionId, cancellationToken);

    /// <inheritdoc cref="LedgerAdmin.EraseRecordedBeforeAsync"/>
    public Task<PaymentLinkErasure> EraseRecordedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        _admin.EraseRecordedBeforeAsync(cutoff, cancellationToken);

    public Task<PaymentLinkLedgerStatus> GetStatusAsync(CancellationToken cancellationToken = default) => _admin.GetStatusAsync(cancellationToken);

    /// <inheritdoc cref="LedgerAdmin.CountPendingAsync"/>
    public Task<long> CountPendingAsync(CancellationToken cancellationToken) => _admin.CountPendingAsync(cancellationToken);

    public Task<PaymentLinkLedgerSchema> GetSchemaAsync(CancellationToken cancellationToken = default) => _admin.GetSchemaAsync(cancellationToken);

    public Task<PaymentLinkLedgerSchema> ApplyMigrationsAsync(CancellationToken cancellationToken = default) => _admin.ApplyMigrationsAsync(cancellationToken);
}
