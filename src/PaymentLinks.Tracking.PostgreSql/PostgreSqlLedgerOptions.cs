using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.PostgreSql;

/// <summary>Which PostgreSQL database and schema the ledger uses, and how it fulfils sessions. Validated when the host starts.</summary>
public sealed class PostgreSqlLedgerOptions : PaymentLinkLedgerOptions
{
    /// <summary>
    /// Gets or sets the Npgsql connection string, such as <c>Host=db;Database=shop;Username=shop;Password=...</c>. It is
    /// never logged or put in an exception message. Required.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the schema the ledger's tables live in; it is created when missing. A plain lower-case identifier:
    /// letters, digits and underscores, starting with a letter or an underscore, at most 63 characters.
    /// </summary>
    /// <value>The default is <c>payment_links</c>.</value>
    public string Schema { get; set; } = "payment_links";
}
