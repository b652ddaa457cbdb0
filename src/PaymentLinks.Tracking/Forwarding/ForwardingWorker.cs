using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking;

/// <summary>
/// Sends the outbox's due conversions in rounds: each round claims due rows of every destination under a lease on the
/// database's clock, sends them with up to <see cref="PaymentLinkForwardingOptions.MaxInFlight"/> requests in flight,
/// and records the round's outcomes in one transaction. Outcomes are recorded with a token bounded by the host's
/// shutdown timeout, not the stopping token, so that a stopping host still records what it sent.
/// </summary>
internal sealed class ForwardingWorker : BackgroundService
{
    private readonly DbPaymentLinkLedger _ledger;
    private readonly PaymentLinkForwardingOptions _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    // Requests a round holds per request in flight.
    private const int RequestsPerSlot = 16;

    private readonly ShutdownGrace _grace = new();
    private long _round;

    public ForwardingWorker(
        DbPaymentLinkLedger ledger,
        PaymentLinkForwardingOptions options,
        IReadOnlyList<ForwardingTarget> destinations,
        IHttpClientFactory httpClients,
        TimeProvider timeProvider,
        ILogger<ForwardingWorker> logger)
    {
        _ledger = ledger;
        _options = options;
        Destinations = destinations;
        _httpClients = httpClients;
        _timeProvider = timeProvider;
        _logger = logger;
        Owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        _circuits = destinations.ToDictionary(
            destination => destination.Id,
            _ => new DestinationCircuit(timeProvider, options.RetryDelay > TimeSpan.Zero ? options.RetryDelay : TimeSpan.FromSeconds(1), options.MaxRetryDelay));
    }

    private readonly Dictionary<ForwardingDestination, DestinationCircuit> _circuits;

    // The destinations whose pause a request of the running round closed.
    private readonly ConcurrentQueue<ForwardingTarget> _resumed = new();

    /// <summary>The destination's circuit in this process.</summary>
    internal DestinationCircuit Circuit(ForwardingDestination destination) => _circuits[destination];

    /// <summary>Names this worker in the leases it takes.</summary>
    public string Owner { get; }

    public IReadOnlyList<ForwardingTarget> Destinations { get; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _ledger.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host cancels this token when its ShutdownTimeout has passed: until then the outcomes can still be written.
        using (_grace.BoundBy(cancellationToken))
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _grace.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorker || Destinations.Count == 0)
        {
            return;
        }

        // Two lanes, each with half the requests in flight: one lane's claim and record overlap the other's requests.
        var lanes = Math.Min(2, _options.MaxInFlight);
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane =>
            RunLaneAsync((_options.MaxInFlight / lanes) + (lane == 0 ? _options.MaxInFlight % lanes : 0), stoppingToken))).ConfigureAwait(false);
    }

    private async Task RunLaneAsync(int inFlight, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await ForwardRoundAsync(stoppingToken, inFlight).ConfigureAwait(false))
                {
                    await _ledger.WaitForDueConversionAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database is down or refused the write: the leases taken expire by themselves.
                ForwardingLog.StoreUnavailable(_logger, exception.GetType().FullName, exception);
                try
                {
                    await Task.Delay(_options.PollInterval, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims, sends and records one round; <see langword="false"/> when nothing was due.</summary>
    internal async Task<bool> ForwardRoundAsync(CancellationToken stoppingToken, int? inFlight = null)
    {
        var slots = inFlight ?? _options.MaxInFlight;
        var owner = $"{Owner}/{Interlocked.Increment(ref _round)}";
        var outcomes = new ConcurrentQueue<OutboxOutcome>();
        var requests = new List<(ForwardingTarget Destination, List<OutboxRow> Rows, bool Probe)>();
        // A round is large, so that its claim and its record cost little beside its requests; it stops starting requests
        // one RequestTimeout before its lease runs out, and gives the rest back untried.
        var requestsEach = Math.Max(1, slots * RequestsPerSlot / Destinations.Count);
        var startBefore = _timeProvider.GetTimestamp();
        var lastStart = _options.LeaseDuration - _options.RequestTimeout;
        var claimedAny = false;
        foreach (var destination in Destinations)
        {
            var circuit = _circuits[destination.Id];
            var admission = circuit.Admit();
            if (admission == CircuitAdmission.Open)
            {
                continue;
            }

            var probe = admission == CircuitAdmission.Probe;
            var rows = await _ledger.ClaimConversionsAsync(
                destination.Id, owner, probe ? 1 : requestsEach * destination.MaxEventsPerRequest, _options.LeaseDuration, stoppingToken).ConfigureAwait(false);
            claimedAny |= rows.Count > 0;
            if (probe && rows.Count == 0)
            {
                circuit.ProbeUnused();
            }

            var batch = new List<OutboxRow>();
            foreach (var row in rows)
            {
                if (Settled(destination, row) is { } settled)
                {
                    outcomes.Enqueue(settled);
                }
                else
                {
                    batch.Add(row);
                    if (batch.Count == destination.MaxEventsPerRequest)
                    {
                        requests.Add((destination, batch, probe));
                        batch = [];
                    }
                }
            }

            if (batch.Count > 0)
            {
                requests.Add((destination, batch, probe));
            }
        }

        if (!claimedAny)
        {
            // Idle: a good moment to refresh the pending gauge and to delete what is past its retention, off the hot path.
            PaymentLinkTrackingDiagnostics.ReportPendingConversions(await _ledger.CountPendingConversionsAsync(stoppingToken).ConfigureAwait(false));
            await DeleteExpiredSentAsync(stoppingToken).ConfigureAwait(false);
            return false;
        }

        await Parallel.ForEachAsync(
            requests,
            new ParallelOptions { MaxDegreeOfParallelism = slots },
            async (request, _) =>
            {
                var late = _timeProvider.GetElapsedTime(startBefore) > lastStart;
                // A destination paused by another request of this round is not sent the rest: they go back untried.
                var paused = !request.Probe && _circuits[request.Destination.Id].IsOpen;
                foreach (var outcome in late || paused
                    ? request.Rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Pending))
                    : await SendAsync(request.Destination, request.Rows, stoppingToken).ConfigureAwait(false))
                {
                    outcomes.Enqueue(outcome);
                }
            }).ConfigureAwait(false);

        await _ledger.RecordOutcomesAsync(owner, outcomes, _grace.Token).ConfigureAwait(false);
        await MakeWaitingDueAsync(stoppingToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// For each destination that answered again after a pause in this round: the conversions put off during the outage
    /// go now, not each after its own backoff (up to <see cref="PaymentLinkForwardingOptions.MaxRetryDelay"/>).
    /// </summary>
    private async Task MakeWaitingDueAsync(CancellationToken stoppingToken)
    {
        while (_resumed.TryDequeue(out var destination))
        {
            var count = await _ledger.MakeWaitingConversionsDueAsync(destination.Id, stoppingToken).ConfigureAwait(false);
            ForwardingLog.Resumed(_logger, destination.Name, count);
        }
    }

    /// <summary>
    /// At most once an hour: deletes the sent rows older than <see cref="PaymentLinkForwardingOptions.SentRetention"/>,
    /// a batch at a time; the number deleted.
    /// </summary>
    internal async Task<int> DeleteExpiredSentAsync(CancellationToken stoppingToken)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_retentionGate)
        {
            if (_nextRetention > now)
            {
                return 0;
            }

            _nextRetention = now + RetentionInterval;
        }

        var cutoff = now - _options.SentRetention;
        var total = 0;
        int deleted;
        do
        {
            deleted = await _ledger.DeleteSentConversionsBeforeAsync(cutoff, RetentionBatch, stoppingToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted == RetentionBatch && !stoppingToken.IsCancellationRequested);

        if (total > 0)
        {
            ForwardingLog.SentDeleted(_logger, total, _options.SentRetention);
        }

        return total;
    }

    internal static readonly TimeSpan RetentionInterval = TimeSpan.FromHours(1);
    private const int RetentionBatch = 5000;
    private readonly object _retentionGate = new();
    private DateTimeOffset _nextRetention = DateTimeOffset.MinValue;

    /// <summary>
    /// The outcome of a claimed row that is not sent: its refund's purchase was not accepted, it is past the destination's
    /// window, or the destination requires what it cannot have; <see langword="null"/> when it is to be sent.
    /// </summary>
    private OutboxOutcome? Settled(ForwardingTarget destination, OutboxRow row)
    {
        if (_options.MaxAttempts is { } maxAttempts && row.Attempts > maxAttempts)
        {
            // Earlier tries ended without an outcome: their process stopped mid-request.
            var error = $"The lease ran out {row.Attempts - 1} times without an outcome: the process stopped mid-request.";
            ForwardingLog.Dead(_logger, destination.Name, row.SessionId, row.Attempts - 1, error);
            CountFailed(destination, [row], "dead");
            return new OutboxOutcome(row.Id, ForwardingState.Dead, Error: error);
        }

        if (row.Kind == ForwardingKind.Refund && row.PurchaseState is { } purchase && purchase != ForwardingState.Sent && purchase != ForwardingState.Pending)
        {
            // A refund never goes before its purchase: after a purchase that may still go (a retry), it fails with it; after
            // one that never will, it is withheld for good.
            var retriable = purchase is ForwardingState.Failed or ForwardingState.Dead;
            var error = $"Not sent: {destination.Name} never accepted this session's purchase (it is {ForwardingNames.Of(purchase)}), and a refund never goes before its purchase."
                + (retriable ? " Retry the session: the purchase goes first, then this refund." : string.Empty);
            if (retriable)
            {
                ForwardingLog.Refused(_logger, destination.Name, 1, row.SessionId, error);
            }
            else
            {
                ForwardingLog.Withheld(_logger, destination.Name, row.SessionId, error);
            }

            CountFailed(destination, [row], retriable ? "refused" : "withheld");
            return new OutboxOutcome(row.Id, retriable ? ForwardingState.Failed : ForwardingState.Withheld, Error: error);
        }

        var deadline = destination.Deadline(row);
        if (row.DatabaseNow > deadline)
        {
            if (destination.MaxAge is { } maxAge && row.Attempts <= 1)
            {
                var error = $"{destination.Name} accepts events up to {Describe(maxAge)} old and this one was {Describe(row.DatabaseNow - row.OccurredAt)} old when due: "
                    + $"it is given up {Describe(ConversionDestination.SafetyMargin)} before the limit, so that it is never refused on arrival.";
                ForwardingLog.TooOld(_logger, destination.Name, row.SessionId, error);
                CountFailed(destination, [row], "too_old");
                return new OutboxOutcome(row.Id, ForwardingState.TooOld, Error: error);
            }

            var dead = $"Tried {row.Attempts - 1} times until {destination.Name}'s window closed ({WindowOf(destination)}); the last error: {row.LastError ?? "none"}";
            ForwardingLog.Dead(_logger, destination.Name, row.SessionId, row.Attempts - 1, dead);
            CountFailed(destination, [row], "dead");
            return new OutboxOutcome(row.Id, ForwardingState.Dead, Error: dead);
        }

        if (destination.Unsendable(row) is { } reason)
        {
            ForwardingLog.Withheld(_logger, destination.Name, row.SessionId, reason);
            CountFailed(destination, [row], "withheld");
            return new OutboxOutcome(row.Id, ForwardingState.Withheld, Error: reason);
        }

        return null;
    }

    private static string WindowOf(ForwardingTarget destination) => destination.MaxAge is { } maxAge
        ? $"events up to {Describe(maxAge)} old, less {Describe(ConversionDestination.SafetyMargin)}"
        : $"{destination.RetryWindow.TotalDays:0.#} days after the conversion was recorded";

    private async Task<IEnumerable<OutboxOutcome>> SendAsync(ForwardingTarget destination, List<OutboxRow> rows, CancellationToken stoppingToken)
    {
        var outcomes = new List<OutboxOutcome>(rows.Count);
        await SendIsolatingAsync(destination, rows, outcomes, stoppingToken).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>
    /// Sends <paramref name="rows"/>; when the destination refuses the request for one event's content (Meta refuses the
    /// whole batch), that event fails alone with the reason and the rest is sent again: without it when the answer names
    /// it, otherwise split in halves, each sent on its own, until the refused event is alone.
    /// </summary>
    private async Task SendIsolatingAsync(ForwardingTarget destination, List<OutboxRow> rows, List<OutboxOutcome> outcomes, CancellationToken stoppingToken)
    {
        var (answer, sent) = await SendOnceAsync(destination, rows, stoppingToken).ConfigureAwait(false);
        if (answer is null || !answer.ByOneEvent || rows.Count == 1)
        {
            outcomes.AddRange(sent);
            return;
        }

        if (answer.EventIndex is { } index && index >= 0 && index < rows.Count)
        {
            var refused = rows[index];
            ForwardingLog.Refused(_logger, destination.Name, 1, refused.SessionId, answer.Error);
            CountFailed(destination, [refused], "refused");
            outcomes.Add(new OutboxOutcome(refused.Id, ForwardingState.Failed, Error: answer.Error));
            await SendIsolatingAsync(destination, rows.Where((_, i) => i != index).ToList(), outcomes, stoppingToken).ConfigureAwait(false);
            return;
        }

        var half = rows.Count / 2;
        await SendIsolatingAsync(destination, rows.GetRange(0, half), outcomes, stoppingToken).ConfigureAwait(false);
        await SendIsolatingAsync(destination, rows.GetRange(half, rows.Count - half), outcomes, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One request: its rows' outcomes, and the answer when it was a refusal of one event's content in a batch (the
    /// caller isolates it; the outcomes are then not used).
    /// </summary>
    private async Task<(DestinationAnswer? Isolate, IEnumerable<OutboxOutcome> Outcomes)> SendOnceAsync(
        ForwardingTarget destination, List<OutboxRow> rows, CancellationToken stoppingToken)
    {
        if (stoppingToken.IsCancellationRequested)
        {
            return (null, rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Pending)));
        }

        var destinationTag = ForwardingNames.Of(destination.Id);
        using var activity = PaymentLinkTrackingDiagnostics.Source.StartActivity("paymentlinks.forward", ActivityKind.Client);
        if (activity is not null)
        {
            // The count, not the ids, for a batch: a Meta request carries up to 1,000 conversions.
            activity.SetTag(PaymentLinkTrackingDiagnostics.DestinationTag, destinationTag);
            activity.SetTag(PaymentLinkTrackingDiagnostics.ConversionsTag, rows.Count);
            if (rows.Count == 1)
            {
                activity.SetTag(PaymentLinkTrackingDiagnostics.SessionIdTag, rows[0].SessionId);
            }
        }

        var started = Stopwatch.GetTimestamp();
        DestinationAnswer answer;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            var client = _httpClients.CreateClient(destination.HttpClientName);
            var conversions = rows.Select(destination.Conversion).ToList();
            var result = await destination.Destination.SendAsync(conversions, client, timeout.Token).ConfigureAwait(false)
                ?? throw new InvalidOperationException("SendAsync returned no result.");
            answer = destination.Answer(result);
            if (answer.PerEvent is { } perEvent && perEvent.Count != rows.Count)
            {
                answer = DestinationAnswer.Refused(destination.Redact(
                    $"{destination.Name} returned {perEvent.Count} outcomes for a batch of {rows.Count} conversions."));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: the rows go back untried, to be sent again.
            activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "stopped");
            return (null, rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Pending)));
        }
        catch (OperationCanceledException)
        {
            answer = DestinationAnswer.Retry($"{destination.Name} did not answer within {Describe(_options.RequestTimeout)}.", null);
        }
        catch (ForwardingRedirectException exception)
        {
            answer = DestinationAnswer.Refused(destination.Redact(exception.Describe(destination.Name)));
        }
        catch (HttpRequestException exception)
        {
            answer = DestinationAnswer.Retry(destination.Redact($"{destination.Name} could not be reached: {exception.Message}"), null);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A destination's own code failed: its batch is refused, to be retried by hand once the code is fixed.
            answer = DestinationAnswer.Refused(destination.Redact($"{destination.Name} failed to send: {exception.GetType().FullName}: {exception.Message}"));
        }

        if (answer.PerEvent is { } outcomes)
        {
            return (null, PerEventOutcomes(destination, rows, outcomes, started, activity));
        }

        var outcome = answer.State == ForwardingState.Sent ? "sent" : answer.IsRetry ? "retry" : "refused";
        PaymentLinkTrackingDiagnostics.ForwardingDuration.Record(
            PaymentLinkTrackingDiagnostics.SecondsSince(started),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.DestinationTag, destinationTag),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome));
        activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome);
        var circuit = _circuits[destination.Id];
        if (answer.State == ForwardingState.Sent)
        {
            Answered(destination, circuit);
            ForwardingLog.Sent(_logger, destination.Name, rows.Count, rows[0].SessionId);
            Count(PaymentLinkTrackingDiagnostics.ConversionsForwarded, destination, rows, outcome: null);
            return (null, rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Sent)));
        }

        // The destination's message stays out of the span: it may quote what was sent.
        activity?.SetStatus(ActivityStatusCode.Error, outcome);
        if (!answer.IsRetry)
        {
            Answered(destination, circuit);
            if (answer.ByOneEvent && rows.Count > 1)
            {
                return (answer, []);
            }

            ForwardingLog.Refused(_logger, destination.Name, rows.Count, rows[0].SessionId, answer.Error);
            CountFailed(destination, rows, "refused");
            return (null, rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Failed, Error: answer.Error)).ToList());
        }

        if (circuit.Failed(answer.RetryAfter) is { } pause)
        {
            ForwardingLog.Paused(_logger, destination.Name, pause, answer.Error);
        }

        var results = rows.Select(row => RetryOutcome(destination, row, answer, started)).ToList();
        return (null, results);
    }

    private void Answered(ForwardingTarget destination, DestinationCircuit circuit)
    {
        if (circuit.Answered())
        {
            _resumed.Enqueue(destination);
        }
    }

    /// <summary>A row put off by <paramref name="answer"/>: pending after a backoff, or dead when its tries or its window are spent.</summary>
    private OutboxOutcome RetryOutcome(ForwardingTarget destination, OutboxRow row, DestinationAnswer answer, long started)
    {
        var wait = _options.BackoffAfter(row.Attempts, answer.RetryAfter, Random.Shared);
        // The row's clock: the database's at the claim, moved on by the time since.
        var dueAt = row.DatabaseNow + Stopwatch.GetElapsedTime(started) + wait;
        if (_options.MaxAttempts is { } maxAttempts && row.Attempts >= maxAttempts)
        {
            ForwardingLog.Dead(_logger, destination.Name, row.SessionId, row.Attempts, answer.Error);
            CountFailed(destination, [row], "dead");
            return new OutboxOutcome(row.Id, ForwardingState.Dead, Error: answer.Error);
        }

        if (dueAt > destination.Deadline(row))
        {
            var error = $"Tried {row.Attempts} times until {destination.Name}'s window closed ({WindowOf(destination)}); the last error: {answer.Error}";
            ForwardingLog.Dead(_logger, destination.Name, row.SessionId, row.Attempts, error);
            CountFailed(destination, [row], "dead");
            return new OutboxOutcome(row.Id, ForwardingState.Dead, Error: error);
        }

        ForwardingLog.WillRetry(_logger, destination.Name, row.SessionId, row.Attempts, wait, answer.Error);
        CountFailed(destination, [row], "retry");
        return new OutboxOutcome(row.Id, ForwardingState.Pending, wait, answer.Error);
    }

    /// <summary>The rows' outcomes when the destination said what became of each of them.</summary>
    private List<OutboxOutcome> PerEventOutcomes(ForwardingTarget destination, List<OutboxRow> rows, IReadOnlyList<DestinationAnswer> answers, long started, Activity? activity)
    {
        var destinationTag = ForwardingNames.Of(destination.Id);
        var circuit = _circuits[destination.Id];
        var outcomes = new List<OutboxOutcome>(rows.Count);
        var sent = new List<OutboxRow>();
        TimeSpan? retryAfter = null;
        var retries = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, answer) = (rows[i], answers[i]);
            if (answer.State == ForwardingState.Sent)
            {
                sent.Add(row);
                outcomes.Add(new OutboxOutcome(row.Id, ForwardingState.Sent));
            }
            else if (!answer.IsRetry)
            {
                ForwardingLog.Refused(_logger, destination.Name, 1, row.SessionId, answer.Error);
                CountFailed(destination, [row], "refused");
                outcomes.Add(new OutboxOutcome(row.Id, ForwardingState.Failed, Error: answer.Error));
            }
            else
            {
                retries++;
                retryAfter = answer.RetryAfter is { } wait && (retryAfter is null || wait > retryAfter) ? wait : retryAfter;
                outcomes.Add(RetryOutcome(destination, row, answer, started));
            }
        }

        if (sent.Count > 0)
        {
            ForwardingLog.Sent(_logger, destination.Name, sent.Count, sent[0].SessionId);
            Count(PaymentLinkTrackingDiagnostics.ConversionsForwarded, destination, sent, outcome: null);
        }

        // Every event put off: the destination is struggling, as when it puts off a whole batch.
        if (retries == rows.Count && circuit.Failed(retryAfter) is { } pause)
        {
            ForwardingLog.Paused(_logger, destination.Name, pause, answers[0].Error);
        }
        else if (retries < rows.Count)
        {
            Answered(destination, circuit);
        }

        var outcome = sent.Count == rows.Count ? "sent" : "partial";
        PaymentLinkTrackingDiagnostics.ForwardingDuration.Record(
            PaymentLinkTrackingDiagnostics.SecondsSince(started),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.DestinationTag, destinationTag),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome));
        activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome);
        return outcomes;
    }

    private static void CountFailed(ForwardingTarget destination, IEnumerable<OutboxRow> rows, string outcome) =>
        Count(PaymentLinkTrackingDiagnostics.ConversionsForwardFailed, destination, rows, outcome);

    /// <summary>Adds <paramref name="rows"/> to <paramref name="counter"/>, by kind, tagged with the destination (never its URL).</summary>
    private static void Count(Counter<long> counter, ForwardingTarget destination, IEnumerable<OutboxRow> rows, string? outcome)
    {
        if (!counter.Enabled)
        {
            return;
        }

        foreach (var kind in rows.GroupBy(row => row.Kind))
        {
            var tags = new TagList
            {
                { PaymentLinkTrackingDiagnostics.DestinationTag, ForwardingNames.Of(destination.Id) },
                { PaymentLinkTrackingDiagnostics.ConversionKindTag, ForwardingNames.Of(kind.Key) },
            };
            if (outcome is not null)
            {
                tags.Add(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome);
            }

            counter.Add(kind.Count(), tags);
        }
    }

    private static string Describe(TimeSpan span) =>
        span >= TimeSpan.FromDays(4) ? $"{span.TotalDays:0.#} days"
        : span >= TimeSpan.FromHours(2) ? $"{span.TotalHours:0.#} hours"
        : span >= TimeSpan.FromSeconds(1) ? $"{span.TotalSeconds:0.#} seconds"
        : $"{span.TotalMilliseconds:0} milliseconds";
}
