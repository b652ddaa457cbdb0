using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PaymentLinks.Tracking;

/// <summary>
/// Writes clicks behind the redirect, so that the buyer's answer waits on nothing but memory: a click goes into a bounded
/// queue and one loop writes what has queued in batches, a transaction each. A full queue (the ledger slower than the
/// clicks) or a closed one (the host stopping) makes the caller write its click itself, as before, so that a click is
/// never dropped for want of room. Reads and erasures of clicks wait for the clicks queued before them
/// (<see cref="WaitForQueuedAsync"/>), so that a click answered is a click found.
/// </summary>
/// <remarks>
/// When the host stops (SIGTERM, a deploy), <see cref="FlushAsync"/> closes the queue and writes what it holds before the
/// host's shutdown timeout. A process killed outright (SIGKILL, a power cut) loses the clicks still queued: those of the
/// last batch's few milliseconds, at most <see cref="Capacity"/>; the buyers were redirected all the same and their
/// payments are attributed from what the session carries (its UTM codes and reference).
/// </remarks>
internal sealed class ClickWriter : IDisposable
{
    /// <summary>The most clicks queued at once.</summary>
    public const int Capacity = 10_000;

    /// <summary>The most clicks one transaction writes.</summary>
    public const int MaxBatch = 500;

    // How long the loop lets clicks gather before a batch that is not full: fewer, larger transactions (one commit and
    // one flush to disk each) leave the database's share of the machine to the requests. A reader that waits for the
    // queued clicks, and the host stopping, cut it short.
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);

    // A batch that fails is tried again after these waits, then given up (and logged): the ledger is down for longer.
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private readonly Func<IReadOnlyList<PaymentLinkClick>, CancellationToken, Task> _writeBatch;
    private readonly Channel<PaymentLinkClick> _queue = Channel.CreateBounded<PaymentLinkClick>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _abandon = new();
    private readonly object _gate = new();
    private TaskCompletionSource _batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _queued;
    private long _done;

    public ClickWriter(Func<IReadOnlyList<PaymentLinkClick>, CancellationToken, Task> writeBatch, ILogger? logger = null)
    {
        _writeBatch = writeBatch;
        Logger = logger ?? NullLogger.Instance;
    }

    public ILogger Logger { get; set; }

    /// <summary>Queues <paramref name="click"/>; <see langword="false"/> when the queue is full or closed (the caller writes it itself).</summary>
    public bool TryQueue(PaymentLinkClick click)
    {
        EnsureStarted();
        lock (_gate)
        {
            // Counted with the write, so that a reader never waits for a click that was not queued, nor misses one that was.
            if (!_queue.Writer.TryWrite(click))
            {
                return false;
            }

            _queued++;
        }

        return true;
    }

    /// <summary>Waits until every click queued before the call is written (or given up).</summary>
    public async Task WaitForQueuedAsync(CancellationToken cancellationToken)
    {
        long target;
        lock (_gate)
        {
            target = _queued;
        }

        while (true)
        {
            Task batchDone;
            lock (_gate)
            {
                if (_done >= target)
                {
                    return;
                }

                batchDone = _batchDone.Task;
                _hurry.TrySetResult();
            }

            await batchDone.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the queue and writes what it holds; a click queued later is written by its caller.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        lock (_gate)
        {
            _hurry.TrySetResult();
        }

        if (Volatile.Read(ref _loop) is { } loop)
        {
            try
            {
                await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout: what is still queued is lost, as on SIGKILL.
                await _abandon.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    public void Dispose()
    {
        // A host that never stopped its services (a console app, a test): write what is queued, briefly.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                FlushAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // Given up: as on SIGKILL.
            }
        }

        // A loop still running (given up at the timeout) may yet read the token.
        if (Volatile.Read(ref _loop) is null or { IsCompleted: true })
        {
            _abandon.Dispose();
        }
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _loop) is not null)
        {
            return;
        }

        lock (_gate)
        {
            _loop ??= Task.Run(WriteLoopAsync);
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PaymentLinkClick>(MaxBatch);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_abandon.Token).ConfigureAwait(false))
            {
                Task hurry;
                lock (_gate)
                {
                    hurry = _hurry.Task;
                }

                if (reader.Count < MaxBatch && !hurry.IsCompleted)
                {
                    await Task.WhenAny(Task.Delay(Linger, _abandon.Token), hurry).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    if (_hurry.Task.IsCompleted)
                    {
                        _hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                while (batch.Count < MaxBatch && reader.TryRead(out var click))
                {
                    batch.Add(click);
                }

                await WriteAsync(batch).ConfigureAwait(false);
                lock (_gate)
                {
                    _done += batch.Count;
                    var done = _batchDone;
                    _batchDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    done.SetResult();
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            // Abandoned at the shutdown timeout: nobody waits for what will not be written.
            lock (_gate)
            {
                _done = _queued;
                _batchDone.TrySetResult();
            }
        }
    }

    private async Task WriteAsync(List<PaymentLinkClick> batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _writeBatch(batch, _abandon.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !_abandon.IsCancellationRequested)
            {
                if (attempt >= RetryDelays.Length)
                {
                    LedgerLog.ClicksNotRecorded(Logger, batch.Count, attempt + 1, exception.GetType().FullName);
                    return;
                }

                LedgerLog.ClicksWriteFailed(Logger, batch.Count, RetryDelays[attempt], exception.GetType().FullName);
                await Task.Delay(RetryDelays[attempt], _abandon.Token).ConfigureAwait(false);
            }
        }
    }
}
