namespace PaymentLinks.Tracking;

/// <summary>
/// One destination's circuit in this process: after <see cref="FailuresToOpen"/> requests in a row answered with a
/// retry (5xx, 429, a timeout, no connection), the destination pauses as a whole, so that an outage does not spend every
/// conversion's tries. When a pause ends, one request of one conversion probes it: a success closes the circuit (the
/// waiting conversions go at full speed), a failure pauses it again, twice as long up to <see cref="MaxPause"/>.
/// </summary>
internal sealed class DestinationCircuit(TimeProvider timeProvider, TimeSpan firstPause, TimeSpan maxPause)
{
    /// <summary>Requests in a row answered with a retry before the destination pauses.</summary>
    public const int FailuresToOpen = 5;

    /// <summary>The longest pause between two probes, so that a destination back up is found within it.</summary>
    public static readonly TimeSpan ProbeIntervalCap = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private int _failures;
    private int _pauses;
    private DateTimeOffset _openUntil;
    private DateTimeOffset? _probeSince;

    public TimeSpan MaxPause { get; } = maxPause < ProbeIntervalCap ? maxPause : ProbeIntervalCap;

    /// <summary>Whether the destination is paused now.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _pauses > 0;
            }
        }
    }

    /// <summary>What this round may do: send as usual, probe with one conversion, or nothing.</summary>
    public CircuitAdmission Admit()
    {
        lock (_gate)
        {
            if (_pauses == 0)
            {
                return CircuitAdmission.Closed;
            }

            var now = timeProvider.GetUtcNow();
            // A probe whose round never reported (its rows given back untried) frees the way after a pause.
            if (now < _openUntil || (_probeSince is { } since && now - since < MaxPause))
            {
                return CircuitAdmission.Open;
            }

            _probeSince = now;
            return CircuitAdmission.Probe;
        }
    }

    /// <summary>The probe claimed nothing: another round may probe.</summary>
    public void ProbeUnused()
    {
        lock (_gate)
        {
            _probeSince = null;
        }
    }

    /// <summary>
    /// The destination answered (a success or a refusal of the content): it is up. <see langword="true"/> when this
    /// closed a pause, so that the conversions put off during it need not wait out their own backoff.
    /// </summary>
    public bool Answered()
    {
        lock (_gate)
        {
            var resumed = _pauses > 0;
            _failures = 0;
            _pauses = 0;
            _probeSince = null;
            return resumed;
        }
    }

    /// <summary>A request was answered with a retry; the pause it starts, if it opens (or reopens) the circuit.</summary>
    public TimeSpan? Failed(TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            _failures++;
            _probeSince = null;
            if (_pauses == 0 && _failures < FailuresToOpen)
            {
                return null;
            }

            _pauses++;
            var cap = firstPause;
            for (var i = 1; i < _pauses && cap < MaxPause; i++)
            {
                cap += cap;
            }

            cap = cap < MaxPause ? cap : MaxPause;
            // Half the pause plus a random half: instances that saw the same outage do not probe in step.
            var pause = (cap / 2) + TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * (cap.Ticks / 2)));
            if (retryAfter is { } asked && asked > pause)
            {
                pause = asked;
            }

            _openUntil = timeProvider.GetUtcNow() + pause;
            return pause;
        }
    }
}

/// <summary>What <see cref="DestinationCircuit.Admit"/> lets a round do.</summary>
internal enum CircuitAdmission
{
    /// <summary>Send as usual.</summary>
    Closed,

    /// <summary>Send one conversion, to learn whether the destination is back.</summary>
    Probe,

    /// <summary>Send nothing: the destination is paused.</summary>
    Open,
}
