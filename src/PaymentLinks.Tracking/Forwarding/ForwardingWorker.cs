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
        IReadOnlyList<ConversionDestination> destinations,
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
    }

    /// <summary>Names this worker in the leases it takes.</summary>
    public string Owner { get; }

    public IReadOnlyList<ConversionDestination> Destinations { get; }

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
        var requests = new List<(ConversionDestination Destination, List<OutboxRow> Rows)>();
        // A round is large, so that its claim and its record cost little beside its requests; it stops starting requests
        // one RequestTimeout before its lease runs out, and gives the rest back untried.
        var requestsEach = Math.Max(1, slots * RequestsPerSlot / Destinations.Count);
        var startBefore = _timeProvider.GetTimestamp();
        var lastStart = _options.LeaseDuration - _options.RequestTimeout;
        var claimedAny = false;
        foreach (var destination in Destinations)
        {
            var rows = await _ledger.ClaimConversionsAsync(
                destination.Destination, owner, requestsEach * destination.MaxEventsPerRequest, _options.LeaseDuration, stoppingToken).ConfigureAwait(false);
            claimedAny |= rows.Count > 0;
            var batch = new List<OutboxRow>();
            foreach (var row in rows)
            {
                if (row.Attempts > _options.MaxAttempts)
                {
                    // Earlier tries ended without an outcome: their process stopped mid-request.
                    var error = $"The lease ran out {row.Attempts - 1} times without an outcome: the process stopped mid-request.";
                    outcomes.Enqueue(new OutboxOutcome(row.Id, ForwardingState.Dead, Error: error));
                    ForwardingLog.Dead(_logger, destination.Name, row.SessionId, row.Attempts - 1, error);
                    CountFailed(destination, [row], "dead");
                }
                else if (destination.MaxAge is { } maxAge && row.DatabaseNow - row.OccurredAt > maxAge)
                {
                    var error = $"{destination.Name} accepts events up to {Describe(maxAge)} old; this one was {Describe(row.DatabaseNow - row.OccurredAt)} old when due.";
                    outcomes.Enqueue(new OutboxOutcome(row.Id, ForwardingState.TooOld, Error: error));
                    ForwardingLog.TooOld(_logger, destination.Name, row.SessionId, error);
                    CountFailed(destination, [row], "too_old");
                }
                else
                {
                    batch.Add(row);
                    if (batch.Count == destination.MaxEventsPerRequest)
                    {
                        requests.Add((destination, batch));
                        batch = [];
                    }
                }
            }

            if (batch.Count > 0)
            {
                requests.Add((destination, batch));
            }
        }

        if (!claimedAny)
        {
            // Idle: a good moment to refresh the pending gauge, off the hot path.
            PaymentLinkTrackingDiagnostics.ReportPendingConversions(await _ledger.CountPendingConversionsAsync(stoppingToken).ConfigureAwait(false));
            return false;
        }

        await Parallel.ForEachAsync(
            requests,
            new ParallelOptions { MaxDegreeOfParallelism = slots },
            async (request, _) =>
            {
                var late = _timeProvider.GetElapsedTime(startBefore) > lastStart;
                foreach (var outcome in late
                    ? request.Rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Pending))
                    : await SendAsync(request.Destination, request.Rows, stoppingToken).ConfigureAwait(false))
                {
                    outcomes.Enqueue(outcome);
                }
            }).ConfigureAwait(false);

        await _ledger.RecordOutcomesAsync(owner, outcomes, _grace.Token).ConfigureAwait(false);
        return true;
    }

    private async Task<IEnumerable<OutboxOutcome>> SendAsync(ConversionDestination destination, List<OutboxRow> rows, CancellationToken stoppingToken)
    {
        if (stoppingToken.IsCancellationRequested)
        {
            return rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Pending));
        }

        var destinationTag = ForwardingNames.Of(destination.Destination);
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
            using var request = destination.CreateRequest(rows, _timeProvider.GetUtcNow());
            var client = _httpClients.CreateClient(destination.HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            answer = destination.Answer(response, body, _timeProvider.GetUtcNow());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: the rows go back untried, to be sent again.
            activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, "stopped");
            return rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Pending));
        }
        catch (OperationCanceledException)
        {
            answer = DestinationAnswer.Retry($"{destination.Name} did not answer within {Describe(_options.RequestTimeout)}.", null);
        }
        catch (HttpRequestException exception)
        {
            answer = DestinationAnswer.Retry(destination.Redact($"{destination.Name} could not be reached: {exception.Message}"), null);
        }

        var outcome = answer.State == ForwardingState.Sent ? "sent" : answer.IsRetry ? "retry" : "refused";
        PaymentLinkTrackingDiagnostics.ForwardingDuration.Record(
            PaymentLinkTrackingDiagnostics.SecondsSince(started),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.DestinationTag, destinationTag),
            new KeyValuePair<string, object?>(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome));
        activity?.SetTag(PaymentLinkTrackingDiagnostics.OutcomeTag, outcome);
        if (answer.State == ForwardingState.Sent)
        {
            ForwardingLog.Sent(_logger, destination.Name, rows.Count, rows[0].SessionId);
            Count(PaymentLinkTrackingDiagnostics.ConversionsForwarded, destination, rows, outcome: null);
            return rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Sent));
        }

        // The destination's message stays out of the span: it may quote what was sent.
        activity?.SetStatus(ActivityStatusCode.Error, outcome);
        if (!answer.IsRetry)
        {
            ForwardingLog.Refused(_logger, destination.Name, rows.Count, rows[0].SessionId, answer.Error);
            CountFailed(destination, rows, "refused");
            return rows.Select(row => new OutboxOutcome(row.Id, ForwardingState.Failed, Error: answer.Error));
        }

        CountFailed(destination, rows.Where(row => row.Attempts >= _options.MaxAttempts), "dead");
        CountFailed(destination, rows.Where(row => row.Attempts < _options.MaxAttempts), "retry");
        return rows.Select(row =>
        {
            if (row.Attempts >= _options.MaxAttempts)
            {
                ForwardingLog.Dead(_logger, destination.Name, row.SessionId, row.Attempts, answer.Error);
                return new OutboxOutcome(row.Id, ForwardingState.Dead, Error: answer.Error);
            }

            var wait = _options.BackoffAfter(row.Attempts, answer.RetryAfter, Random.Shared);
            ForwardingLog.WillRetry(_logger, destination.Name, row.SessionId, row.Attempts, wait, answer.Error);
            return new OutboxOutcome(row.Id, ForwardingState.Pending, wait, answer.Error);
        }).ToList();
    }

    private static void CountFailed(ConversionDestination destination, IEnumerable<OutboxRow> rows, string outcome) =>
        Count(PaymentLinkTrackingDiagnostics.ConversionsForwardFailed, destination, rows, outcome);

    /// <summary>Adds <paramref name="rows"/> to <paramref name="counter"/>, by kind, tagged with the destination (never its URL).</summary>
    private static void Count(Counter<long> counter, ConversionDestination destination, IEnumerable<OutboxRow> rows, string? outcome)
    {
        if (!counter.Enabled)
        {
            return;
        }

        foreach (var kind in rows.GroupBy(row => row.Kind))
        {
            var tags = new TagList
            {
                { PaymentLinkTrackingDiagnostics.DestinationTag, ForwardingNames.Of(destination.Destination) },
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
