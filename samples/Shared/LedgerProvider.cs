using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// Registers the ledger the configuration names: <c>PaymentLinkTracking:Ledger:Provider</c> is <c>Sqlite</c> (the
/// default) or <c>PostgreSql</c>, and <c>ConnectionStrings:PaymentLinkLedger</c> the connection string (for SQLite, by
/// default the file <c>samples/paymentlinks-ledger.db</c> of this clone, whichever folder a sample runs from, so that
/// the receiver and the console share one ledger). Environment variables
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
    /// <summary>The default SQLite file: <c>paymentlinks-ledger.db</c> in the clone's <c>samples</c> folder, found from this source file.</summary>
    public static string DefaultSqliteFile { get; } = Path.Combine(SamplesFolder(), "paymentlinks-ledger.db");

    public static string DefaultSqliteConnectionString => $"Data Source={DefaultSqliteFile}";

    /// <param name="services">The services to add the ledger to.</param>
    /// <param name="configuration">The configuration naming the provider and the connection string.</param>
    /// <param name="mustExist">
    /// For a command that reads an existing ledger: a SQLite file that does not exist is refused (naming the file it
    /// looked for) rather than created empty.
    /// </param>
    public static IServiceCollection AddConfiguredLedger(this IServiceCollection services, IConfiguration configuration, bool mustExist = false)
    {
        var provider = configuration[ProviderKey];
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var sqlite = string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnectionString : connectionString;
            if (mustExist && new SqliteConnectionStringBuilder(sqlite).DataSource is { Length: > 0 } file && !file.StartsWith(':') && !File.Exists(file))
            {
                throw new InvalidOperationException(
                    $"there is no ledger at {Path.GetFullPath(file)}: start the webhook receiver first, or set ConnectionStrings__PaymentLinkLedger to the ledger's file.");
            }

            return services.AddSqliteLedger(options =>
            {
                configuration.GetSection(LedgerSection).Bind(options);
                options.ConnectionString = sqlite;
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

    private static string SamplesFolder([CallerFilePath] string sourceFile = "")
    {
        if (Path.GetDirectoryName(Path.GetDirectoryName(sourceFile)) is { Length: > 0 } samples && Directory.Exists(samples))
        {
            return samples;
        }

        // A deterministic build maps source paths away (/_/...): find the clone's samples folder above the program.
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "samples");
            if (Directory.Exists(Path.Combine(candidate, "Shared")))
            {
                return candidate;
            }
        }

        return AppContext.BaseDirectory;   // run outside a clone: beside the program
    }
}
