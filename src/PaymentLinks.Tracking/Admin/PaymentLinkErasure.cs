namespace PaymentLinks.Tracking;

/// <summary>What an erasure (<see cref="IPaymentLinkAdmin.EraseByEmailAsync"/>, <see cref="IPaymentLinkAdmin.EraseSessionAsync"/>) changed.</summary>
public sealed class PaymentLinkErasure
{
    /// <summary>Gets the ids of the sessions whose personal data was erased; empty when the ledger held none.</summary>
    public IReadOnlyList<string> SessionIds { get; init; } = [];

    /// <summary>Returns how many sessions were erased, without their ids.</summary>
    /// <returns>For example <c>2 sessions erased</c>.</returns>
    public override string ToString() => SessionIds.Count == 1 ? "1 session erased" : $"{SessionIds.Count} sessions erased";
}
