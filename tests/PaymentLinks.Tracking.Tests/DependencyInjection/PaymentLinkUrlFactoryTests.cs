using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.DependencyInjection.TrackingHost;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

public class PaymentLinkUrlFactoryTests
{
    private const string Section = $$"""
        {
          "PaymentLinkTracking": {
            "DefaultUtm": { "Source": "website", "Medium": "referral" },
            "Links": {
              "pro-monthly": "{{StripeExample}}",
              "team-yearly": "https://pay.example.com/b/team?plan=yearly&utm_source=partner#top"
            }
          }
        }
        """;

    [Test]
    public void Creates_a_named_link_with_the_default_utm_codes()
    {
        using var host = FromJson(Section);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        links.Create("pro-monthly").ToString().ShouldBe($"{StripeExample}?utm_source=website&utm_medium=referral");
    }

    [Test]
    public void A_code_in_the_configured_url_wins_over_the_default()
    {
        using var host = FromJson(Section);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        links.Create("team-yearly").ToString()
            .ShouldBe("https://pay.example.com/b/team?plan=yearly&utm_source=partner&utm_medium=referral#top");
    }

    [Test]
    public void A_code_the_caller_sets_wins_over_the_default_and_null_removes_it()
    {
        using var host = FromJson(Section);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        var link = links.Create("pro-monthly", link => link.WithUtmSource("newsletter").WithUtmMedium(null).WithClientReferenceId("order-1042"));

        link.ToString().ShouldBe($"{StripeExample}?utm_source=newsletter&client_reference_id=order-1042");
    }

    [TestCase("PRO-MONTHLY")]
    [TestCase("Pro-Monthly")]
    public void Finds_a_link_whatever_the_case_of_its_name(string name)
    {
        using var host = FromJson(Section);

        host.Services.GetRequiredService<IPaymentLinkUrlFactory>().Create(name).Utm.Source.ShouldBe("website");
    }

    [Test]
    public void An_unknown_name_throws_KeyNotFoundException_listing_the_known_names()
    {
        using var host = FromJson(Section);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        var failure = Should.Throw<KeyNotFoundException>(() => links.Create("pro-yearly"));

        failure.Message.ShouldBe(
            "No payment link named 'pro-yearly' is configured in PaymentLinkTrackingOptions.Links; the configured names are: pro-monthly, team-yearly.");
        Should.Throw<KeyNotFoundException>(() => links.Create("pro-yearly", link => link));
    }

    [Test]
    public void With_no_link_configured_the_message_says_so()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(_ => { }));

        Should.Throw<KeyNotFoundException>(() => host.Services.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro"))
            .Message.ShouldContain("PaymentLinkTrackingOptions.Links is empty");
    }

    [Test]
    public void Lists_the_configured_names()
    {
        using var host = FromJson(Section);

        host.Services.GetRequiredService<IPaymentLinkUrlFactory>().LinkNames.ShouldBe(["pro-monthly", "team-yearly"]);
    }

    [Test]
    public void Refuses_null_arguments_and_a_customization_that_returns_null()
    {
        using var host = FromJson(Section);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        Should.Throw<ArgumentNullException>(() => links.Create(null!));
        Should.Throw<ArgumentNullException>(() => links.Create(null!, link => link));
        Should.Throw<ArgumentNullException>(() => links.Create("pro-monthly", null!));
        Should.Throw<InvalidOperationException>(() => links.Create("pro-monthly", _ => null!)).Message.ShouldContain("pro-monthly");
    }

    [Test]
    public void Parses_each_configured_link_once_while_the_options_are_unchanged()
    {
        using var host = FromJson(Section);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        links.Create("pro-monthly").ShouldBeSameAs(links.Create("pro-monthly"));
    }

    [Test]
    public void A_reloaded_configuration_reaches_the_next_call()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:DefaultUtm:Source"] = "website",
            ["PaymentLinkTracking:Links:pro"] = StripeExample,
        }).Build();
        using var host = Build(services => services.AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")));
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();
        var before = links.Create("pro");

        configuration["PaymentLinkTracking:DefaultUtm:Source"] = "reloaded";
        configuration["PaymentLinkTracking:Links:pro"] = "https://pay.example.com/b/pro";
        configuration["PaymentLinkTracking:Links:team"] = "https://pay.example.com/b/team";
        configuration.Reload();

        before.ToString().ShouldBe($"{StripeExample}?utm_source=website");
        links.Create("pro").ToString().ShouldBe("https://pay.example.com/b/pro?utm_source=reloaded");
        links.Create("team").ToString().ShouldBe("https://pay.example.com/b/team?utm_source=reloaded");
        links.LinkNames.ShouldBe(["pro", "team"]);
    }

    [Test]
    public void Logs_a_warning_for_each_value_the_customization_set_that_Stripe_would_drop_without_the_value()
    {
        var logs = new CapturedLogs();
        using var host = FromJson(Section, logs);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        var link = links.Create("pro-monthly", link => link
            .WithUtmCampaign("Spring Sale!")
            .WithClientReferenceId("sk_live_51H8notARealKey")
            .WithLocale("en-US"));

        link.Dropped.Count.ShouldBe(3);
        var warnings = logs.Entries.Where(entry => entry.Level == LogLevel.Warning).ToList();
        warnings.Select(entry => entry.Values["ParameterName"]).ShouldBe(["utm_campaign", "client_reference_id", "locale"]);
        warnings.Select(entry => entry.Values["Reason"]).ShouldBe([DropReason.InvalidCharacter, DropReason.LooksLikeSecret, DropReason.UnknownLocale]);
        warnings.ShouldAllBe(entry => entry.EventId.Name == "PaymentLinkParameterDropped" && (string)entry.Values["LinkName"]! == "pro-monthly");
        warnings[0].Message.ShouldBe(
            "Payment link pro-monthly: utm_campaign was left out because Stripe would drop it (InvalidCharacter): "
            + "invalid character U+0020 at position 6: only ASCII letters, digits, '-' and '_' are allowed.");
        logs.Entries.ShouldAllBe(entry => !entry.AllText.Contains("sk_live_") && !entry.AllText.Contains("Spring Sale") && !entry.AllText.Contains("en-US"));
    }

    [Test]
    public void Logs_nothing_when_nothing_is_dropped()
    {
        var logs = new CapturedLogs();
        using var host = FromJson(Section, logs);

        host.Services.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro-monthly", link => link.WithUtmCampaign("spring"));
        host.Services.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro-monthly");

        logs.Entries.Where(entry => entry.Category.StartsWith("PaymentLinks", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Test]
    public void Works_without_logging_registered()
    {
        var services = new ServiceCollection().AddPaymentLinkTracking(options => options.Links["pro"] = StripeExample);
        using var provider = services.BuildServiceProvider(validateScopes: true);

        provider.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro", link => link.WithUtmSource("a b")).Dropped.Count.ShouldBe(1);
    }

    [Test]
    public void Invalid_options_surface_on_first_use_without_a_host()
    {
        var services = new ServiceCollection().AddPaymentLinkTracking(options => options.Links["pro"] = "not a url");
        using var provider = services.BuildServiceProvider(validateScopes: true);

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro"))
            .Message.ShouldContain("Links[\"pro\"] is not a payment link");
    }
}
