namespace PaymentLinks.Tracking;

/// <summary>
/// One conversion at one destination, as the forwarding outbox keeps it: what <see cref="IPaymentLinkForwarding.ListAsync"/>
/// returns. Holds no personal data. Construct one yourself to test code that reads the list.
/// </summary>
public sealed record ForwardedConversion
{
    /// <summary>Gets the outbox row's id.</summary>
    public required long Id { get; init; }

    /// <summary>Gets the Checkout Session's id (<c>cs_...</c>).</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets where it goes.</summary>
    public required ForwardingDestination Destination { get; init; }

    /// <summary>Gets whether it is a purchase or a refund.</summary>
    public required ForwardingKind Kind { get; init; }

    /// <summary>Gets where it stands.</summary>
    public required ForwardingState State { get; init; }

    /// <summary>Gets how many tries were started.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the amount in the currency's smallest unit: the total paid, or the amount refunded.</summary>
    public long? Amount { get; init; }

    /// <summary>Gets the three-letter ISO currency code, in lower case.</summary>
    public string? Currency { get; init; }

    /// <summary>Gets when the session was paid, or the refund recorded.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets when the next try is due, while <see cref="ForwardingState.Pending"/>.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>Gets when the destination accepted it.</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>Gets the last failure: the destination's status and message with secrets redacted, a timeout, or why it was too old.</summary>
    public string? LastError { get; init; }
}
