using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.DependencyInjection.TrackingHost;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

public class AddPaymentLinkTrackingTests
{
    private const string FullSection = $$"""
        {
          "PaymentLinkTracking": {
            "SigningSecrets": [ "{{Secret}}", "whsec_rolled_9f8e7d6c" ],
            "Tolerance": "00:02:30",
            "MaxPayloadBytes": 65536,
            "DefaultUtm": { "Source": "website", "Medium": "referral", "Campaign": "always_on", "Term": "plans", "Content": "footer" },
            "Links": {
              "pro-monthly": "{{StripeExample}}",
              "team-yearly": "https://pay.example.com/b/team?utm_source=partner"
            },
            "StripeApiKey": "rk_test_51H8notARealKey"
          }
        }
        """;

    [Test]
    public void Binds_every_option_from_an_appsettings_section()
    {
        using var host = FromJson(FullSection);

        var options = host.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;

        options.SigningSecrets.ShouldBe([Secret, "whsec_rolled_9f8e7d6c"]);
        options.Tolerance.ShouldBe(TimeSpan.FromSeconds(150));
        options.MaxPayloadBytes.ShouldBe(65536);
        options.DefaultUtm.ShouldBe(new UtmCodes { Source = "website", Medium = "referral", Campaign = "always_on", Term = "plans", Content = "footer" });
        options.Links.ShouldBe(new Dictionary<string, string>
        {
            ["pro-monthly"] = StripeExample,
            ["team-yearly"] = "https://pay.example.com/b/team?utm_source=partner",
        });
        options.StripeApiKey.ShouldBe("rk_test_51H8notARealKey");
    }

    [Test]
    public void Keeps_the_defaults_of_options_the_section_leaves_out()
    {
        using var host = FromJson("""{ "PaymentLinkTracking": { "DefaultUtm": { "Source": "website" } } }""");

        var options = host.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;

        options.SigningSecrets.ShouldBeEmpty();
        options.Tolerance.ShouldBe(TimeSpan.FromMinutes(5));
        options.MaxPayloadBytes.ShouldBe(256 * 1024);
        options.DefaultUtm.ShouldBe(new UtmCodes { Source = "website" });
        options.Links.ShouldBeEmpty();
        options.StripeApiKey.ShouldBeNull();
    }

    [Test]
    public void Binds_from_environment_variable_style_keys_and_matches_link_names_without_regard_to_case()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:SigningSecrets:0"] = Secret,
            ["PaymentLinkTracking:DefaultUtm:source"] = "env",
            ["PaymentLinkTracking:Links:Pro-Monthly"] = StripeExample,
        }).Build();
        using var host = Build(services => services.AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")));

        var options = host.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;

        options.SigningSecrets.ShouldBe([Secret]);
        options.DefaultUtm.Source.ShouldBe("env");
        options.Links["pro-monthly"].ShouldBe(StripeExample);
    }

    [Test]
    public void Code_and_configuration_combine_in_the_order_they_were_added()
    {
        using var host = Build(services => services
            .AddPaymentLinkTracking(Json(FullSection).GetSection("PaymentLinkTracking"))
            .AddPaymentLinkTracking(options => options.DefaultUtm = options.DefaultUtm with { Campaign = "from_code" }));

        var options = host.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;

        options.DefaultUtm.Campaign.ShouldBe("from_code");
        options.DefaultUtm.Source.ShouldBe("website");
    }

    [Test]
    public void Calling_it_twice_registers_each_service_once_and_binds_each_secret_once()
    {
        var section = Json(FullSection).GetSection("PaymentLinkTracking");
        var services = new ServiceCollection();

        services.AddPaymentLinkTracking(section).AddPaymentLinkTracking(section);

        services.Count(d => d.ServiceType == typeof(IPaymentLinkUrlFactory)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(IValidateOptions<PaymentLinkTrackingOptions>)).ShouldBe(1);
        using var provider = services.BuildServiceProvider(validateScopes: true);
        provider.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value.SigningSecrets.Count.ShouldBe(2);
    }

    [Test]
    public void Refuses_null_arguments()
    {
        var services = new ServiceCollection();

        Should.Throw<ArgumentNullException>(() => ((IServiceCollection)null!).AddPaymentLinkTracking(_ => { })).ParamName.ShouldBe("services");
        Should.Throw<ArgumentNullException>(() => ((IServiceCollection)null!).AddPaymentLinkTracking(Json("{}"))).ParamName.ShouldBe("services");
        Should.Throw<ArgumentNullException>(() => services.AddPaymentLinkTracking((Action<PaymentLinkTrackingOptions>)null!)).ParamName.ShouldBe("configure");
        Should.Throw<ArgumentNullException>(() => services.AddPaymentLinkTracking((IConfiguration)null!)).ParamName.ShouldBe("configuration");
        Should.Throw<ArgumentNullException>(() => ((IServiceCollection)null!).AddPaymentLinkStripeApi()).ParamName.ShouldBe("services");
        services.ShouldBeEmpty();
    }

    [Test]
    public async Task A_valid_configuration_starts()
    {
        using var host = FromJson(FullSection);

        await host.StartAsync();
        await host.StopAsync();
    }

    [TestCase("\"SigningSecrets\": [ \"sk_live_51H8notARealKey\" ]", "SigningSecrets[0] looks like an API key", "sk_live_51H8notARealKey")]
    [TestCase("\"SigningSecrets\": [ \"secret-from-somewhere\" ]", "SigningSecrets[0] is not a webhook signing secret", "secret-from-somewhere")]
    [TestCase("\"SigningSecrets\": [ \"whsec_ok1\", \" whsec_padded \" ]", "SigningSecrets[1] has leading or trailing white space", "whsec_padded")]
    [TestCase("\"SigningSecrets\": [ \"whsec_\" ]", "SigningSecrets[0] holds only the \"whsec_\" prefix", null)]
    [TestCase("\"SigningSecrets\": [ \"\" ]", "SigningSecrets[0] is empty", null)]
    [TestCase("\"SigningSecrets\": [ \"whsec_...\" ]", "SigningSecrets[0] is a placeholder, not the endpoint's signing secret", null)]
    [TestCase("\"SigningSecrets\": [ \"whsec_placeholder_set_PaymentLinkTracking__SigningSecrets__0\" ]", "SigningSecrets[0] is a placeholder", null)]
    [TestCase("\"StripeApiKey\": \"sk_51H8notARealKey\"", "StripeApiKey is not a Stripe API key", "sk_51H8notARealKey")]
    [TestCase("\"Tolerance\": \"00:00:00\"", "Tolerance must be positive; it is 00:00:00", null)]
    [TestCase("\"Tolerance\": \"-00:01:00\"", "Tolerance must be positive; it is -00:01:00", null)]
    [TestCase("\"Tolerance\": \"five minutes\"", "Failed to convert configuration value 'five minutes' at 'PaymentLinkTracking:Tolerance' to type 'System.TimeSpan'", null)]
    [TestCase("\"MaxPayloadBytes\": 0", "MaxPayloadBytes must be positive; it is 0", null)]
    [TestCase("\"MaxPayloadBytes\": \"lots\"", "Failed to convert configuration value 'lots' at 'PaymentLinkTracking:MaxPayloadBytes' to type 'System.Int32'", null)]
    [TestCase("\"MaxPayloadBytes\": \"sk_live_51H8notARealKey\"", "Failed to convert configuration value '[redacted]' at 'PaymentLinkTracking:MaxPayloadBytes'", "sk_live_51H8notARealKey")]
    [TestCase("\"DefaultUtm\": { \"Source\": \"Spring Sale\" }", "DefaultUtm.Source would be dropped by Stripe as utm_source: invalid character U+0020 at position 6", null)]
    [TestCase("\"DefaultUtm\": { \"Campaign\": \"caf\u00e9\" }", "DefaultUtm.Campaign would be dropped by Stripe as utm_campaign: invalid character '\u00e9'", null)]
    [TestCase("\"DefaultUtm\": { \"Term\": \"\" }", "DefaultUtm.Term would be dropped by Stripe as utm_term: empty", null)]
    [TestCase("\"DefaultUtm\": { \"Sauce\": \"x\" }", "not found on the instance of PaymentLinks.Tracking.UtmCodes: 'Sauce'", null)]
    [TestCase("\"Links\": { \"pro\": \"buy.stripe.com/test_x\" }", "Links[\"pro\"] is not a payment link: 'buy.stripe.com/test_x' is not an absolute URL", null)]
    [TestCase("\"Links\": { \"pro\": \"ftp://buy.stripe.com/x\" }", "Links[\"pro\"] is not a payment link: 'ftp://buy.stripe.com/x' is not an http or https URL", null)]
    [TestCase("\"Links\": { \"pro\": \"https://buy.stripe.com/x?utm_medium=e%20mail\" }", "Links[\"pro\"] has a utm_medium that Stripe would drop: invalid character U+0020", null)]
    [TestCase("\"Links\": { \"pro\": \"https://buy.stripe.com/x?client_reference_id=sk_live_51H8notARealKey\" }", "Links[\"pro\"] has a client_reference_id that Stripe would drop: looks like a Stripe key", "sk_live_51H8notARealKey")]
    [TestCase("\"StripeApiKey\": \"pk_live_51H8notARealKey\"", "StripeApiKey is a publishable key", "pk_live_51H8notARealKey")]
    [TestCase("\"StripeApiKey\": \"whsec_51H8notARealKey\"", "StripeApiKey is a webhook signing secret", "whsec_51H8notARealKey")]
    [TestCase("\"Ledger\": { \"Provider\": \"Sqlite\" }, \"Sigingsecrets\": [ ]", "the following properties were not found on the instance of PaymentLinks.Tracking.PaymentLinkTrackingOptions: 'Sigingsecrets'", "Ledger")]
    [TestCase("\"SigningSecret\": [ \"whsec_typo\" ]", "PaymentLinkTracking: 'ErrorOnUnknownConfiguration' was set on the provided BinderOptions, but the following properties were not found on the instance of PaymentLinks.Tracking.PaymentLinkTrackingOptions: 'SigningSecret'", "whsec_typo")]
    public async Task Fails_at_start_up_naming_the_option_and_its_problem_but_never_the_secret(string setting, string expected, string? neverShown)
    {
        using var host = FromJson($$"""{ "PaymentLinkTracking": { {{setting}} } }""");

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        failure.Message.ShouldContain(expected);
        if (neverShown is not null)
        {
            failure.Message.ShouldNotContain(neverShown);
        }
    }

    [Test]
    public async Task Reports_every_problem_at_once()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(options =>
        {
            options.SigningSecrets.Add("sk_test_x");
            options.Tolerance = TimeSpan.Zero;
            options.DefaultUtm = new UtmCodes { Source = "a b" };
            options.Links["x"] = "nope";
        }));

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        failure.Failures.Count().ShouldBe(4);
    }
}
