namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>What turns the ledger's health check <c>Degraded</c>.</summary>
public sealed class PaymentLinkHealthCheckOptions
{
    /// <summary>
    /// Gets or sets how old the catch-up watermark (the newest event catch-up recorded) may be before the check is
    /// <c>Degraded</c>: set it to a few times the catch-up interval when catch-up runs.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the watermark's age is reported, not judged.</value>
    public TimeSpan? MaxCatchUpLag { get; set; }

    /// <summary>Gets or sets how many parked sessions the check tolerates before it is <c>Degraded</c>.</summary>
    /// <value>The default is 0: one parked session degrades the check, since it waits for a person.</value>
    public long MaxParkedSessions { get; set; }
}
