namespace PaymentLinks.Tracking;

/// <summary>The ledger's state at a moment, from <see cref="IPaymentLinkAdmin.GetStatusAsync"/>: the work waiting, and how far catch-up got.</summary>
public sealed class PaymentLinkLedgerStatus
{
    /// <summary>Gets how many sessions wait for their fulfilment handler (due now or waiting for a retry).</summary>
    public long PendingSessions { get; init; }

    /// <summary>Gets how many sessions are parked: their handler failed every try.</summary>
    public long ParkedSessions { get; init; }

    /// <summary>
    /// Gets the catch-up watermark: the creation time of the newest event catch-up recorded, every older one being
    /// recorded; <see langword="null"/> before any catch-up recorded an event.
    /// </summary>
    public DateTimeOffset? CatchUpWatermark { get; init; }

    /// <summary>Gets how many events catch-up listed but could not read, kept for a person to look at.</summary>
    public long RefusedCatchUpEvents { get; init; }
}
