using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Shouldly;
using Stripe;
using static PaymentLinks.Tracking.Tests.DependencyInjection.TrackingHost;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

public class AddPaymentLinkStripeApiTests
{
    private const string Key = "rk_test_51H8notARealKey";

    [Test]
    public void Resolves_the_Stripe_API_services_on_a_client_for_the_configured_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:StripeApiKey"] = Key,
        }).Build();
        using var host = Build(services => services
            .AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking"))
            .AddPaymentLinkStripeApi());

        host.Services.GetRequiredService<CheckoutConversionReader>().ShouldNotBeNull();
        host.Services.GetRequiredService<PaymentLinkCreator>().ShouldNotBeNull();
        var source = host.Services.GetRequiredService<StripeClientSource>();
        var client = source.GetClient(host.Services);
        client.ApiKey.ShouldBe(Key);
        source.GetClient(host.Services).ShouldBeSameAs(client);

        configuration["PaymentLinkTracking:StripeApiKey"] = "rk_test_rolled";
        configuration.Reload();

        source.GetClient(host.Services).ApiKey.ShouldBe("rk_test_rolled");
    }

    [Test]
    public void Uses_the_client_the_host_registered()
    {
        var registered = new StripeClient("sk_test_51H8hostsOwnClient");
        using var host = Build(services => services.AddSingleton<IStripeClient>(registered).AddPaymentLinkStripeApi());

        host.Services.GetRequiredService<StripeClientSource>().GetClient(host.Services).ShouldBeSameAs(registered);
        host.Services.GetRequiredService<CheckoutConversionReader>().ShouldNotBeNull();
    }

    [Test]
    public void Without_a_key_or_a_client_resolving_a_service_says_what_to_configure()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(_ => { }).AddPaymentLinkStripeApi());

        Should.Throw<InvalidOperationException>(() => host.Services.GetRequiredService<CheckoutConversionReader>())
            .Message.ShouldContain("PaymentLinkTrackingOptions.StripeApiKey");
    }

    [Test]
    public void Calling_it_twice_registers_each_service_once()
    {
        var services = new ServiceCollection().AddPaymentLinkStripeApi().AddPaymentLinkStripeApi();

        services.Count(d => d.ServiceType == typeof(CheckoutConversionReader)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(PaymentLinkCreator)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(IPaymentLinkUrlFactory)).ShouldBe(1);
    }
}
