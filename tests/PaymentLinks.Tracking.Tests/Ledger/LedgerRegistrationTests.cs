using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.DependencyInjection;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

public class LedgerRegistrationTests
{
    private const string Password = "s3cret-Pa55word";

    [TestCase("Sqlite")]
    [TestCase("PostgreSql")]
    public void Each_engine_registers_attribution_on_the_same_ledger(string engine)
    {
        using var host = TrackingHost.Build(services => _ = engine == "Sqlite"
            ? services.AddSqliteLedger("Data Source=attribution-registration.db")
            : services.AddPostgreSqlLedger($"Host=127.0.0.1;Username=shop;Password={Password}"));

        host.Services.GetRequiredService<IPaymentLinkAttribution>()
            .ShouldBeSameAs(host.Services.GetRequiredService<IPaymentLinkLedger>());
    }

    [TestCase("", "ConnectionString is required")]
    [TestCase("Data Source=", "names no Data Source")]
    [TestCase("Nonsense Keyword=1", "is not a valid SQLite connection string")]
    public void A_bad_sqlite_connection_string_stops_the_start_up_naming_the_option(string connectionString, string message)
    {
        using var host = TrackingHost.Build(services => services.AddSqliteLedger(options => options.ConnectionString = connectionString));

        Should.Throw<OptionsValidationException>(() => host.StartAsync()).Message.ShouldContain(message);
    }

    [TestCase("payment-links")]
    [TestCase("Payment_Links")]
    [TestCase("1ledger")]
    [TestCase("x; DROP TABLE users")]
    public void A_schema_that_is_not_a_plain_identifier_stops_the_start_up(string schema)
    {
        using var host = TrackingHost.Build(services => services.AddPostgreSqlLedger(options =>
        {
            options.ConnectionString = $"Host=127.0.0.1;Username=shop;Password={Password}";
            options.Schema = schema;
        }));

        var message = Should.Throw<OptionsValidationException>(() => host.StartAsync()).Message;
        message.ShouldContain("Schema must be a plain lower-case identifier");
        message.ShouldNotContain(Password);
    }

    [Test]
    public void A_bad_postgresql_connection_string_is_refused_without_its_password()
    {
        using var host = TrackingHost.Build(services => services.AddPostgreSqlLedger(options =>
            options.ConnectionString = $"Host=127.0.0.1;Password={Password};Port=not-a-port"));

        var message = Should.Throw<OptionsValidationException>(() => host.StartAsync()).Message;
        message.ShouldContain("ConnectionString is not a valid Npgsql connection string");
        message.ShouldNotContain(Password);
    }

    [TestCase(0, 10, "LeaseDuration must be at least 1 second")]
    [TestCase(60, 0, "MaxAttempts must be at least 1")]
    public void Fulfilment_options_out_of_range_stop_the_start_up_naming_the_option(int leaseSeconds, int maxAttempts, string message)
    {
        using var host = TrackingHost.Build(services => services.AddSqliteLedger(options =>
        {
            options.ConnectionString = "Data Source=unused.db";
            options.LeaseDuration = TimeSpan.FromSeconds(leaseSeconds);
            options.MaxAttempts = maxAttempts;
        }));

        Should.Throw<OptionsValidationException>(() => host.StartAsync()).Message.ShouldContain(message);
    }

    [TestCase(0, 1440, "MaxUnclaimedVisits must be at least 1")]
    [TestCase(10, 0, "UnclaimedVisitLifetime must be at least 1 minute")]
    public void Unclaimed_visit_options_out_of_range_stop_the_start_up_naming_the_option(int maxVisits, int lifetimeMinutes, string message)
    {
        using var host = TrackingHost.Build(services => services.AddSqliteLedger(options =>
        {
            options.ConnectionString = "Data Source=unused.db";
            options.MaxUnclaimedVisits = maxVisits;
            options.UnclaimedVisitLifetime = TimeSpan.FromMinutes(lifetimeMinutes);
        }));

        Should.Throw<OptionsValidationException>(() => host.StartAsync()).Message.ShouldContain(message);
    }

    [TestCase(0.5, 7.0, "AttributionWindow must be from 1 to 90 days")]
    [TestCase(91.0, 7.0, "AttributionWindow must be from 1 to 90 days")]
    [TestCase(30.0, 0.0, "TimeDecayHalfLife must be from 1 hour to 90 days")]
    [TestCase(30.0, 91.0, "TimeDecayHalfLife must be from 1 hour to 90 days")]
    public void Attribution_options_out_of_range_stop_the_start_up_naming_the_option(double windowDays, double halfLifeDays, string message)
    {
        using var host = TrackingHost.Build(services => services.AddSqliteLedger(options =>
        {
            options.ConnectionString = "Data Source=unused.db";
            options.AttributionWindow = TimeSpan.FromDays(windowDays);
            options.TimeDecayHalfLife = TimeSpan.FromDays(halfLifeDays);
        }));

        Should.Throw<OptionsValidationException>(() => host.StartAsync()).Message.ShouldContain(message);
    }

    [Test]
    public void The_attribution_window_is_30_days_and_the_half_life_7_days_by_default_and_both_ends_of_the_window_are_accepted()
    {
        (new PaymentLinkLedgerOptions().AttributionWindow, new PaymentLinkLedgerOptions().TimeDecayHalfLife).ShouldBe((TimeSpan.FromDays(30), TimeSpan.FromDays(7)));
        new PaymentLinkLedgerOptions { AttributionWindow = TimeSpan.FromDays(1), TimeDecayHalfLife = TimeSpan.FromHours(1) }.Problems().ShouldBeEmpty();
        new PaymentLinkLedgerOptions { AttributionWindow = TimeSpan.FromDays(90), TimeDecayHalfLife = TimeSpan.FromDays(90) }.Problems().ShouldBeEmpty();
    }

    [Test]
    public void A_second_ledger_registration_adds_nothing()
    {
        var services = new ServiceCollection()
            .AddSqliteLedger("Data Source=first.db")
            .AddPostgreSqlLedger("Host=127.0.0.1");

        services.Count(descriptor => descriptor.ServiceType == typeof(IPaymentLinkLedger)).ShouldBe(1);
        services.Count(descriptor => descriptor.ServiceType == typeof(IPaymentLinkAdmin)).ShouldBe(1);

        // The fulfilment worker, the retention worker, the report's worker and the flush of the queued clicks on stop, once each.
        services.Count(descriptor => descriptor.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)).ShouldBe(4);
    }

    [TestCase(1, 10)]
    [TestCase(2, 20)]
    [TestCase(4, 80)]
    [TestCase(20, 3600)]
    public void The_backoff_doubles_up_to_its_ceiling(int failedTries, int seconds)
    {
        var options = new PaymentLinkLedgerOptions();

        options.RetryDelayCeilingAfter(failedTries).ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [TestCase(1, 10)]
    [TestCase(3, 40)]
    [TestCase(20, 3600)]
    public void Each_wait_is_a_random_part_of_its_ceiling_spread_from_zero_to_the_ceiling(int failedTries, int ceilingSeconds)
    {
        var options = new PaymentLinkLedgerOptions();
        var random = new Random(7);
        var ceiling = TimeSpan.FromSeconds(ceilingSeconds);

        var waits = Enumerable.Range(0, 1000).Select(_ => options.RetryDelayAfter(failedTries, random)).ToList();

        waits.ShouldAllBe(wait => wait >= TimeSpan.Zero && wait <= ceiling);
        waits.Min().ShouldBeLessThan(ceiling * 0.05);
        waits.Max().ShouldBeGreaterThan(ceiling * 0.95);
        waits.Count(wait => wait < ceiling / 2).ShouldBeInRange(400, 600);
    }
}
