using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.Sqlite;

/// <summary>Where the SQLite ledger keeps its file, and how it fulfils sessions. Validated when the host starts.</summary>
public sealed class SqliteLedgerOptions : PaymentLinkLedgerOptions
{
    /// <summary>
    /// Gets or sets the Microsoft.Data.Sqlite connection string, such as <c>Data Source=paymentlinks-ledger.db</c>. The
    /// file and its folder are created when missing. Required.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets how long a write waits for another writer (another thread or process on the same file) before it
    /// fails.
    /// </summary>
    /// <value>The default is 30 seconds; at least 1 millisecond.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
