using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.DependencyInjection;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.CatchUp;

public class CatchUpRegistrationTests
{
    private const string ApiKey = "rk_test_51PgcCatchUpRegistration000000000000";

    [TestCase(nameof(PaymentLinkCatchUpOptions.Interval), "00:00:00.5000000", "Interval must be at least 1 second and less than 30 days")]
    [TestCase(nameof(PaymentLinkCatchUpOptions.Interval), "30.00:00:00", "Interval must be at least 1 second and less than 30 days")]
    [TestCase(nameof(PaymentLinkCatchUpOptions.InitialLookback), "00:00:00", "InitialLookback must be more than zero and at most 30 days")]
    [TestCase(nameof(PaymentLinkCatchUpOptions.InitialLookback), "30.00:00:01", "InitialLookback must be more than zero and at most 30 days")]
    [TestCase(nameof(PaymentLinkCatchUpOptions.LeaseDuration), "00:00:00.9990000", "LeaseDuration must be at least 1 second")]
    public async Task A_bad_option_stops_the_start_up_naming_it(string option, string value, string message)
    {
        var span = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        using var host = TrackingHost.Build(services => services
            .AddPaymentLinkTracking(options => options.StripeApiKey = ApiKey)
            .AddPaymentLinkCatchUp(options => typeof(PaymentLinkCatchUpOptions).GetProperty(option)!.SetValue(options, span)));

        var refused = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        refused.Message.ShouldContain($"{nameof(PaymentLinkCatchUpOptions)}.{message}");
    }

    [Test]
    public void The_defaults_are_the_documented_ones()
    {
        var options = new PaymentLinkCatchUpOptions();

        options.RunInBackground.ShouldBeFalse();
        options.Interval.ShouldBe(TimeSpan.FromHours(1));
        options.InitialLookback.ShouldBe(TimeSpan.FromDays(3));
        options.LeaseDuration.ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Test]
    public async Task Running_in_the_background_without_a_ledger_stops_the_start_up_saying_to_add_one()
    {
        using var host = TrackingHost.Build(services => services
            .AddPaymentLinkTracking(options => options.StripeApiKey = ApiKey)
            .AddPaymentLinkCatchUp(options => options.RunInBackground = true));

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        refused.Message.ShouldContain("AddSqliteLedger(...) or AddPostgreSqlLedger(...)");
    }

    [Test]
    public async Task Turned_off_it_starts_without_a_ledger_and_lists_nothing()
    {
        using var host = TrackingHost.Build(services => services
            .AddPaymentLinkTracking(options => options.StripeApiKey = ApiKey)
            .AddPaymentLinkStripeApi());

        await host.StartAsync();
        await host.StopAsync();
    }

    [Test]
    public async Task Running_in_the_background_without_a_key_stops_the_start_up_naming_the_option()
    {
        using var host = TrackingHost.Build(services =>
        {
            services.AddPaymentLinkTracking(_ => { }).AddPaymentLinkCatchUp(options => options.RunInBackground = true);
            services.AddSqliteLedger($"Data Source={Path.Combine(Path.GetTempPath(), $"paymentlinks-unused-{Guid.NewGuid():N}.db")}");
        });

        var refused = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        refused.Message.ShouldContain("PaymentLinkTracking__StripeApiKey");
    }
}
