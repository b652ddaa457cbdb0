using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking.Tests.StripeApi;
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
    public async Task Without_a_key_or_a_client_the_host_does_not_start_and_says_what_to_configure()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(_ => { }).AddPaymentLinkStripeApi());

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        failure.Message.ShouldContain("PaymentLinkTrackingOptions.StripeApiKey");
        failure.Message.ShouldContain("IStripeClient");
    }

    [Test]
    public async Task A_registered_client_needs_no_key_to_start()
    {
        using var host = Build(services => services.AddSingleton<IStripeClient>(new StripeClient("sk_test_51H8hostsOwnClient")).AddPaymentLinkStripeApi());

        await host.StartAsync();
        await host.StopAsync();
    }

    [Test]
    public async Task Without_the_Stripe_API_services_no_key_is_needed()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(_ => { }));

        await host.StartAsync();
        await host.StopAsync();
    }

    [Test]
    public void The_api_base_defaults_to_stripes()
    {
        new PaymentLinkTrackingOptions().StripeApiBase.ShouldBe(new Uri("https://api.stripe.com"));
        using var host = Build(services => services.AddPaymentLinkTracking(options => options.StripeApiKey = Key).AddPaymentLinkStripeApi());

        host.Services.GetRequiredService<StripeClientSource>().GetClient(host.Services).ApiBase.ShouldBe("https://api.stripe.com");
    }

    [Test]
    public async Task The_services_call_the_configured_api_base()
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:StripeApiKey"] = Key,
            ["PaymentLinkTracking:StripeApiBase"] = server.ApiBase,
        }).Build();
        using var host = Build(services => services
            .AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking"))
            .AddPaymentLinkStripeApi());
        await host.StartAsync();

        var result = await host.Services.GetRequiredService<CheckoutConversionReader>()
            .ReadAsync("https://example.com/thanks?session_id=cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY");

        result.IsConversion.ShouldBeTrue();
        server.Requests.Single().Headers["Authorization"].ShouldBe($"Bearer {Key}");
        await host.StopAsync();
    }

    [Test]
    public async Task The_made_client_follows_no_redirect_so_the_key_never_reaches_another_address()
    {
        await using var elsewhere = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));
        await using var server = new LoopbackStripeServer(request => new StripeAnswer(307, "{}")
        {
            Headers = new Dictionary<string, string> { ["Location"] = elsewhere.ApiBase + request.Target },
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:StripeApiKey"] = Key,
            ["PaymentLinkTracking:StripeApiBase"] = server.ApiBase,
        }).Build();
        using var host = Build(services => services
            .AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking"))
            .AddPaymentLinkStripeApi());
        await host.StartAsync();

        var result = await host.Services.GetRequiredService<CheckoutConversionReader>()
            .ReadAsync("https://example.com/thanks?session_id=cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY");

        result.IsConversion.ShouldBeFalse();
        server.Requests.ShouldNotBeEmpty();
        elsewhere.Requests.ShouldBeEmpty();
        result.Message.ShouldNotContain(Key);
        await host.StopAsync();
    }

    [TestCase("http://127.0.0.1:12111")]
    [TestCase("http://localhost:12111/")]
    [TestCase("http://[::1]:12111")]
    [TestCase("https://stripe-proxy.example.com/stripe")]
    public async Task Accepts_https_or_http_on_a_loopback_address(string apiBase)
    {
        using var host = Build(services => services.AddPaymentLinkTracking(options => options.StripeApiBase = new Uri(apiBase)));

        await host.StartAsync();
        await host.StopAsync();
    }

    [TestCase("http://api.stripe.com", "StripeApiBase uses http, which would send the API key in clear text", null)]
    [TestCase("http://10.0.0.7:12111", "StripeApiBase uses http", null)]
    [TestCase("ftp://api.stripe.com", "StripeApiBase uses ftp", null)]
    [TestCase("/v1", "StripeApiBase is not an absolute URL", null)]
    [TestCase("https://user:hunter2@api.stripe.com", "StripeApiBase carries a user name or password", "hunter2")]
    [TestCase("https://api.stripe.com/?x=1", "StripeApiBase has a query or a fragment", null)]
    public async Task Refuses_an_api_base_at_start_up_naming_the_option(string apiBase, string expected, string? neverShown)
    {
        using var host = Build(services => services.AddPaymentLinkTracking(Json($$"""{ "PaymentLinkTracking": { "StripeApiBase": "{{apiBase}}" } }""").GetSection("PaymentLinkTracking")));

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        failure.Message.ShouldContain($"PaymentLinkTrackingOptions.{expected}");
        if (neverShown is not null)
        {
            failure.Message.ShouldNotContain(neverShown);
        }
    }

    [Test]
    public async Task Reloads_racing_requests_never_hand_out_a_client_for_other_options()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:StripeApiKey"] = "rk_test_round0",
        }).Build();
        using var host = Build(services => services.AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")).AddPaymentLinkStripeApi());
        var source = host.Services.GetRequiredService<StripeClientSource>();
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<PaymentLinkTrackingOptions>>();

        var mismatches = await ReloadRacing.Run(configuration, "PaymentLinkTracking:StripeApiKey", round => $"rk_test_round{round}", () =>
        {
            // Options that stay the same across the call must be the ones the client was made for.
            var before = monitor.CurrentValue;
            var client = source.GetClient(host.Services);
            return client.ApiKey == before.StripeApiKey || !ReferenceEquals(before, monitor.CurrentValue);
        });

        mismatches.ShouldBe(0);
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
