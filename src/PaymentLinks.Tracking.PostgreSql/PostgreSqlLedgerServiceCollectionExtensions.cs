using System.Text.RegularExpressions;
using Npgsql;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the PostgreSQL ledger to an <see cref="IServiceCollection"/>.</summary>
public static partial class PostgreSqlLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ledger on PostgreSQL: an <see cref="IPaymentLinkLedger"/> that <see cref="PaymentLinkWebhookReceiver"/>
    /// records each verified event in, and a hosted worker that applies the schema when the host starts (under an
    /// advisory lock, so several instances may start at once) and calls the registered
    /// <see cref="IPaymentLinkFulfillmentHandler"/> for each paid session, one instance per session at a time. The
    /// options are validated when the host starts. A second ledger registration adds nothing.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; <see cref="PostgreSqlLedgerOptions.ConnectionString"/> is required.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services
    ///     .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    ///     .AddPostgreSqlLedger(options => options.ConnectionString = builder.Configuration.GetConnectionString("PaymentLinkLedger"));
    /// builder.Services.AddScoped&lt;IPaymentLinkFulfillmentHandler, SendLicenseKey&gt;();
    /// </code>
    /// </example>
    public static IServiceCollection AddPostgreSqlLedger(this IServiceCollection services, Action<PostgreSqlLedgerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        LedgerServices.AddLedger(services, configure, Problems, (options, _) => new PostgreSqlLedgerDialect(options));
        return services;
    }

    /// <summary>
    /// Adds the ledger on PostgreSQL in the schema <c>payment_links</c> with the default fulfilment options; see
    /// <see cref="AddPostgreSqlLedger(IServiceCollection, Action{PostgreSqlLedgerOptions})"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <returns>The service collection, so that additional calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="connectionString"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddPostgreSqlLedger(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return services.AddPostgreSqlLedger(options => options.ConnectionString = connectionString);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainIdentifier();

    private static IEnumerable<string> Problems(PostgreSqlLedgerOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            yield return $"{nameof(PostgreSqlLedgerOptions.ConnectionString)} is required, such as \"Host=localhost;Database=shop;Username=shop;Password=...\".";
        }
        else
        {
            string? problem = null;
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    problem = $"{nameof(PostgreSqlLedgerOptions.ConnectionString)} names no Host.";
                }
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
            {
                // Npgsql's message names the keyword it could not read, never the password.
                problem = $"{nameof(PostgreSqlLedgerOptions.ConnectionString)} is not a valid Npgsql connection string: {exception.Message}";
            }

            if (problem is not null)
            {
                yield return problem;
            }
        }

        if (options.Schema is null || !PlainIdentifier().IsMatch(options.Schema))
        {
            yield return $"{nameof(PostgreSqlLedgerOptions.Schema)} must be a plain lower-case identifier (letters, digits and underscores, starting with a letter or an underscore, at most 63 characters); it is \"{options.Schema}\".";
        }
    }
}
