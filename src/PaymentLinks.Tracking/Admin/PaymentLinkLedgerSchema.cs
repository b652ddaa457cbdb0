namespace PaymentLinks.Tracking;

/// <summary>
/// The ledger schema's state, from <see cref="IPaymentLinkAdmin.GetSchemaAsync"/>: which numbered scripts the database
/// has, and which this library needs.
/// </summary>
public sealed class PaymentLinkLedgerSchema
{
    /// <summary>Gets the script versions the database records as applied.</summary>
    public IReadOnlyList<int> AppliedVersions { get; init; } = [];

    /// <summary>Gets the script versions this library needs.</summary>
    public IReadOnlyList<int> RequiredVersions { get; init; } = [];

    /// <summary>Gets the needed versions the database lacks, in order.</summary>
    public IReadOnlyList<int> MissingVersions => [.. RequiredVersions.Except(AppliedVersions).Order()];

    /// <summary>Gets whether the database has every script this library needs.</summary>
    public bool IsCurrent => MissingVersions.Count == 0;

    /// <summary>
    /// Gets the SQL of the missing scripts, in order, as a DBA applies them by hand (for PostgreSQL, after creating the
    /// schema and setting the <c>search_path</c> to it); empty when the schema is current.
    /// </summary>
    public string MissingScript { get; init; } = string.Empty;
}
