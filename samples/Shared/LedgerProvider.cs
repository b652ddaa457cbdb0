using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// Registers the ledger the configuration names: <c>PaymentLinkTracking:Ledger:Provider</c> is <c>Sqlite</c> (the
/// default) or <c>PostgreSql</c>, and <c>ConnectionStrings:PaymentLinkLedger</c> the connection string (for SQLite, by
/// default a file <c>paymentlinks-ledger.db</c> in the working folder). Environment variables
/// <c>PaymentLinkTracking__Ledger__Provider</c> and <c>ConnectionStrings__PaymentLinkLedger</c> override them. For
/// PostgreSQL, <c>PaymentLinkTracking:Ledger:Schema</c> names the schema (default <c>payment_links</c>). The fulfilment
/// options (<c>LeaseDuration</c>, <c>PollInterval</c>, <c>MaxAttempts</c>, <c>RetryDelay</c>, <c>MaxRetryDelay</c>) are
/// read from <c>PaymentLinkTracking:Ledger</c> too, e.g. <c>PaymentLinkTracking__Ledger__LeaseDuration=00:00:10</c>.
/// </summary>
internal static class LedgerProvider
{
    public const string ProviderKey = "PaymentLinkTracking:Ledger:Provider";
    public const string SchemaKey = "PaymentLinkTracking:Ledger:Schema";
    public const string LedgerSection = "PaymentLinkTracking:Ledger";
    public const string ConnectionStringName = "PaymentLinkLedger";
    public const string DefaultSqliteConnectionString = "Data Source=paymentlinks-ledger.db";

    public static IServiceCollection AddConfiguredLedger(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration[ProviderKey];
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return services.AddSqliteLedger(options =>
            {
                configuration.GetSection(LedgerSection).Bind(options);
                options.ConnectionString = string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnectionString : connectionString;
            });
        }

        if (provider.Equals("PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            return services.AddPostgreSqlLedger(options =>
            {
                configuration.GetSection(LedgerSection).Bind(options);
                options.ConnectionString = connectionString;
                if (configuration[SchemaKey] is { Length: > 0 } schema)
                {
                    options.Schema = schema;
                }
            });
        }

        throw new InvalidOperationException($"{ProviderKey} is \"{provider}\"; it must be Sqlite or PostgreSql.");
    }
}
