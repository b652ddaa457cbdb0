using Microsoft.Data.Sqlite;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the SQLite ledger to an <see cref="IServiceCollection"/>.</summary>
public static class SqliteLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ledger on one SQLite file: an <see cref="IPaymentLinkLedger"/> that
    /// <see cref="PaymentLinkWebhookReceiver"/> records each verified event in, and a hosted worker that applies the
    /// schema when the host starts and calls the registered <see cref="IPaymentLinkFulfillmentHandler"/> for each paid
    /// session. The options are validated when the host starts. A second ledger registration adds nothing.
    /// </summary>
    /// <remarks>
    /// SQLite suits one instance, or several processes on one machine sharing the file; for instances on several
    /// machines use <c>AddPostgreSqlLedger</c>.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; <see cref="SqliteLedgerOptions.ConnectionString"/> is required.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    ///     .AddSqliteLedger(options => options.ConnectionString = "Data Source=paymentlinks-ledger.db");
    /// builder.Services.AddScoped&lt;IPaymentLinkFulfillmentHandler, SendLicenseKey&gt;();
    /// </code>
    /// </example>
    public static IServiceCollection AddSqliteLedger(this IServiceCollection services, Action<SqliteLedgerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        LedgerServices.AddLedger(services, configure, Problems, (options, provider) => new SqliteLedgerDialect(
            options, provider.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()?.CreateLogger("PaymentLinks.Tracking.Sqlite.SqliteLedger")));
        return services;
    }

    /// <summary>
    /// Adds the ledger on one SQLite file with the default fulfilment options; see
    /// <see cref="AddSqliteLedger(IServiceCollection, Action{SqliteLedgerOptions})"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, such as <c>Data Source=paymentlinks-ledger.db</c>.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="connectionString"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddSqliteLedger(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return services.AddSqliteLedger(options => options.ConnectionString = connectionString);
    }

    private static IEnumerable<string> Problems(SqliteLedgerOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            yield return $"{nameof(SqliteLedgerOptions.ConnectionString)} is required, such as \"Data Source=paymentlinks-ledger.db\".";
            yield break;
        }

        string? problem = null;
        try
        {
            var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                problem = $"{nameof(SqliteLedgerOptions.ConnectionString)} names no Data Source (the database file).";
            }
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
        {
            // The builder's message names the keyword it could not read, never the value.
            problem = $"{nameof(SqliteLedgerOptions.ConnectionString)} is not a valid SQLite connection string: {exception.Message}";
        }

        if (problem is not null)
        {
            yield return problem;
        }

        if (options.BusyTimeout < TimeSpan.FromMilliseconds(1))
        {
            yield return $"{nameof(SqliteLedgerOptions.BusyTimeout)} must be at least 1 millisecond (it is {options.BusyTimeout}).";
        }
    }
}
