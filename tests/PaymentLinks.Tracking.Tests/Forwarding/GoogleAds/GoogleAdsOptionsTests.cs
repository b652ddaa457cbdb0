using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using PaymentLinks.Tracking.GoogleAds;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;

public sealed class GoogleAdsOptionsTests
{
    private static List<string> Failures(GoogleAdsForwardingOptions options) =>
        new GoogleAdsForwardingOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Test]
    public async Task Complete_settings_with_a_service_accounts_key_are_valid()
    {
        await using var google = new LoopbackGoogle();
        Failures(new GoogleAdsForwardingOptions
        {
            OperatingAccountId = LoopbackGoogle.OperatingAccountId,
            LoginAccountId = "1112223334",
            ConversionActionId = LoopbackGoogle.ConversionActionId,
            CredentialsJson = google.ServiceAccountKey(),
            Endpoint = google.Endpoint,
        }).ShouldBeEmpty();
    }

    [Test]
    public async Task The_GoogleAds_section_under_Forwarding_is_claimed_by_the_Google_Ads_package_and_SendRenewals_binds_from_it()
    {
        await using var google = new LoopbackGoogle();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:Forwarding:Webhook:Url"] = "https://crm.example.com/hook",
            ["PaymentLinkTracking:Forwarding:Webhook:Secret"] = "whsec_0123456789abcdef0123456789",
            ["PaymentLinkTracking:Forwarding:GoogleAds:OperatingAccountId"] = LoopbackGoogle.OperatingAccountId,
            ["PaymentLinkTracking:Forwarding:GoogleAds:ConversionActionId"] = LoopbackGoogle.ConversionActionId,
            ["PaymentLinkTracking:Forwarding:GoogleAds:CredentialsJson"] = google.ServiceAccountKey(),
            ["PaymentLinkTracking:Forwarding:GoogleAds:SendRenewals"] = "true",
        }).Build();
        await using var provider = new ServiceCollection()
            .AddPaymentLinkForwarding(configuration.GetSection("PaymentLinkTracking:Forwarding"))
            .AddGoogleAdsForwarding(configuration.GetSection("PaymentLinkTracking:Forwarding:GoogleAds"))
            .BuildServiceProvider();

        Should.NotThrow(() => provider.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value);
        provider.GetRequiredService<IOptions<GoogleAdsForwardingOptions>>().Value.SendRenewals.ShouldBeTrue();
    }

    [Test]
    public void The_account_and_the_conversion_action_are_required_and_named()
    {
        var failures = Failures(new GoogleAdsForwardingOptions());

        failures.ShouldContain(f => f.StartsWith("PaymentLinkTracking:Forwarding:GoogleAds:OperatingAccountId is required", StringComparison.Ordinal));
        failures.ShouldContain(f => f.StartsWith("PaymentLinkTracking:Forwarding:GoogleAds:ConversionActionId is required", StringComparison.Ordinal));
    }

    [TestCase("123-456-7890")]
    [TestCase("123456789")]
    [TestCase("12345678901")]
    [TestCase("abcdefghij")]
    public void Data_Manager_takes_a_customer_id_of_10_digits_without_hyphens(string accountId)
    {
        Failures(new GoogleAdsForwardingOptions { OperatingAccountId = accountId, ConversionActionId = "1" })
            .ShouldContain(f => f.Contains("OperatingAccountId must be a Google Ads customer id: 10 digits without hyphens", StringComparison.Ordinal));
        Failures(new GoogleAdsForwardingOptions { OperatingAccountId = "1234567890", LoginAccountId = accountId, ConversionActionId = "1" })
            .ShouldContain(f => f.Contains("LoginAccountId must be a Google Ads customer id", StringComparison.Ordinal));
    }

    [Test]
    public void The_conversion_action_is_its_numeric_id()
    {
        Failures(new GoogleAdsForwardingOptions { OperatingAccountId = "1234567890", ConversionActionId = "customers/1234567890/conversionActions/5" })
            .ShouldContain(f => f.Contains("ConversionActionId must be the conversion action's numeric id", StringComparison.Ordinal));
    }

    [Test]
    public void One_credential_at_most()
    {
        Failures(new GoogleAdsForwardingOptions { OperatingAccountId = "1234567890", ConversionActionId = "1", CredentialsFile = "/key.json", CredentialsJson = "{}" })
            .ShouldContain("PaymentLinkTracking:Forwarding:GoogleAds: set CredentialsFile or CredentialsJson, not both.");
    }

    [Test]
    public void An_endpoint_in_clear_text_is_refused_unless_loopback()
    {
        var failures = Failures(new GoogleAdsForwardingOptions
        {
            OperatingAccountId = "1234567890",
            ConversionActionId = "1",
            Endpoint = new Uri("http://datamanager.example.com"),
            TokenEndpoint = new Uri("http://oauth.example.com/token"),
        });

        failures.ShouldContain(f => f.StartsWith("PaymentLinkTracking:Forwarding:GoogleAds:Endpoint uses http", StringComparison.Ordinal));
        failures.ShouldContain(f => f.StartsWith("PaymentLinkTracking:Forwarding:GoogleAds:TokenEndpoint uses http", StringComparison.Ordinal));
    }

    [Test]
    public void A_key_that_cannot_be_used_fails_at_start_without_being_repeated()
    {
        const string Key = """{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nnotakey0secret\n-----END PRIVATE KEY-----\n"}""";
        var failures = Failures(new GoogleAdsForwardingOptions { OperatingAccountId = "1234567890", ConversionActionId = "1", CredentialsJson = Key });

        failures.ShouldHaveSingleItem().ShouldContain("CredentialsJson holds a private_key that cannot be read");
        failures[0].ShouldNotContain("notakey0secret");
    }

    [Test]
    public void A_missing_key_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json");
        Failures(new GoogleAdsForwardingOptions { OperatingAccountId = "1234567890", ConversionActionId = "1", CredentialsFile = path })
            .ShouldHaveSingleItem().ShouldBe($"PaymentLinkTracking:Forwarding:GoogleAds: CredentialsFile \"{path}\" cannot be read: FileNotFoundException.");
    }
}
