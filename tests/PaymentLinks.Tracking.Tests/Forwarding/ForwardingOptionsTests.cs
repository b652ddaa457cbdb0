using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding;

public sealed class ForwardingOptionsTests
{
    private const string GoodSecret = "gA4ApiSecret_abcdefghij";
    private const string GoodToken = "EAAGoodAccessToken0123456789abcdefghijkl";

    [Test]
    public void The_configuration_names_the_issue_fixes_turn_every_destination_on()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["GoogleAnalytics:MeasurementId"] = "G-ABC1234",
            ["GoogleAnalytics:ApiSecret"] = GoodSecret,
            ["GoogleAnalytics:Endpoint"] = "https://region1.google-analytics.com",
            ["GoogleAnalytics:SendHashedEmail"] = "true",
            ["Meta:PixelId"] = "1234567890",
            ["Meta:AccessToken"] = GoodToken,
            ["Meta:ApiVersion"] = "v22.0",
            ["Meta:Endpoint"] = "https://graph.facebook.com",
            ["Meta:TestEventCode"] = "TEST12345",
            ["Webhook:Url"] = "https://hooks.example/conversions",
            ["Webhook:Secret"] = "0123456789abcdefghijklmnopqrstuvwxyz",
            ["IncludeTestMode"] = "true",
            ["AssumeConsent"] = "true",
        });

        options.GoogleAnalytics.MeasurementId.ShouldBe("G-ABC1234");
        options.GoogleAnalytics.Endpoint.ShouldBe(new Uri("https://region1.google-analytics.com"));
        options.GoogleAnalytics.SendHashedEmail.ShouldBeTrue();
        options.Meta.ApiVersion.ShouldBe("v22.0");
        options.Meta.TestEventCode.ShouldBe("TEST12345");
        options.Webhook.Url.ShouldBe(new Uri("https://hooks.example/conversions"));
        options.IncludeTestMode.ShouldBeTrue();
        options.AssumeConsent.ShouldBeTrue();
        ForwardingPlan.From(options)!.Destinations.ShouldBe([ForwardingDestination.GoogleAnalytics, ForwardingDestination.Meta, ForwardingDestination.Webhook]);
    }

    [Test]
    public void The_defaults_are_the_documented_ones()
    {
        var options = new PaymentLinkForwardingOptions();
        options.MaxInFlight.ShouldBe(8);
        options.IncludeTestMode.ShouldBeFalse();
        options.AssumeConsent.ShouldBeFalse();
        options.GoogleAnalytics.Endpoint.ShouldBe(new Uri("https://www.google-analytics.com"));
        options.GoogleAnalytics.SendHashedEmail.ShouldBeFalse();
        options.Meta.Endpoint.ShouldBe(new Uri("https://graph.facebook.com"));
        ForwardingPlan.From(options).ShouldBeNull();
        new PaymentLinkForwardingOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [TestCase("GoogleAnalytics:ApiSecret", "secret with spaces inside", "GoogleAnalytics:ApiSecret does not have the shape")]
    [TestCase("GoogleAnalytics:ApiSecret", "...", "GoogleAnalytics:ApiSecret does not have the shape")]
    [TestCase("Meta:AccessToken", "EAA-too-short", "Meta:AccessToken does not have the shape")]
    [TestCase("Webhook:Secret", "short-secret", "Webhook:Secret must be 32 to 512")]
    [TestCase("Webhook:Secret", "placeholder_0123456789abcdefghijklmnopqrstuv", "Webhook:Secret must be 32 to 512")]
    public void A_secret_of_the_wrong_shape_fails_start_up_without_being_repeated(string key, string secret, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["GoogleAnalytics:MeasurementId"] = "G-ABC1234",
            ["GoogleAnalytics:ApiSecret"] = GoodSecret,
            ["Meta:PixelId"] = "1234567890",
            ["Meta:AccessToken"] = GoodToken,
            ["Webhook:Url"] = "https://hooks.example/conversions",
            ["Webhook:Secret"] = "0123456789abcdefghijklmnopqrstuvwxyz",
            [key] = secret,
        };

        var failure = Should.Throw<OptionsValidationException>(() => Resolve(settings));

        failure.Message.ShouldContain(expected);
        failure.Message.ShouldNotContain(secret);
    }

    [TestCase("GoogleAnalytics:MeasurementId", "G-ABC1234", "GoogleAnalytics:ApiSecret is required")]
    [TestCase("GoogleAnalytics:ApiSecret", GoodSecret, "GoogleAnalytics:MeasurementId is required")]
    [TestCase("Meta:AccessToken", GoodToken, "Meta:PixelId is required")]
    [TestCase("Webhook:Url", "https://hooks.example/x", "Webhook:Secret is required")]
    public void Half_a_destination_fails_start_up_naming_what_is_missing(string key, string value, string expected) =>
        Should.Throw<OptionsValidationException>(() => Resolve(new Dictionary<string, string?> { [key] = value })).Message.ShouldContain(expected);

    [TestCase("http://collect.example")]
    [TestCase("ftp://collect.example")]
    [TestCase("https://user:pass@collect.example")]
    public void An_endpoint_must_be_https_or_loopback(string endpoint)
    {
        var failure = Should.Throw<OptionsValidationException>(() => Resolve(new Dictionary<string, string?>
        {
            ["GoogleAnalytics:MeasurementId"] = "G-ABC1234",
            ["GoogleAnalytics:ApiSecret"] = GoodSecret,
            ["GoogleAnalytics:Endpoint"] = endpoint,
        }));
        failure.Message.ShouldContain("GoogleAnalytics:Endpoint");
        failure.Message.ShouldNotContain("pass@");
    }

    [Test]
    public void A_loopback_http_endpoint_is_accepted_for_tests() =>
        Resolve(new Dictionary<string, string?>
        {
            ["GoogleAnalytics:MeasurementId"] = "G-ABC1234",
            ["GoogleAnalytics:ApiSecret"] = GoodSecret,
            ["GoogleAnalytics:Endpoint"] = "http://127.0.0.1:5099",
        }).GoogleAnalytics.Endpoint.IsLoopback.ShouldBeTrue();

    [Test]
    public void An_unknown_key_fails_start_up() =>
        Should.Throw<OptionsValidationException>(() => Resolve(new Dictionary<string, string?> { ["GoogleAnalytics:MeasurmentId"] = "G-ABC1234" }))
            .Message.ShouldContain("MeasurmentId");

    [Test]
    public void The_tracking_section_leaves_its_forwarding_child_to_forwarding()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:SigningSecrets:0"] = "whsec_0123456789abcdefghijklmnopqrstuv",
            ["PaymentLinkTracking:Forwarding:GoogleAnalytics:MeasurementId"] = "G-ABC1234",
            ["PaymentLinkTracking:Forwarding:GoogleAnalytics:ApiSecret"] = GoodSecret,
        }).Build();
        var services = new ServiceCollection()
            .AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking"))
            .AddPaymentLinkForwarding(configuration.GetSection("PaymentLinkTracking:Forwarding"));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value.SigningSecrets.Count.ShouldBe(1);
        provider.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value.GoogleAnalytics.MeasurementId.ShouldBe("G-ABC1234");
    }

    [Test]
    public void Forwarding_without_a_ledger_says_which_call_is_missing()
    {
        using var provider = new ServiceCollection()
            .AddPaymentLinkForwarding(options => options.Webhook.Secret = null)
            .BuildServiceProvider();

        Should.Throw<InvalidOperationException>(() => provider.GetRequiredService<IPaymentLinkForwarding>()).Message.ShouldContain("AddSqliteLedger");
    }

    [TestCase(1, 0.1)]
    [TestCase(2, 0.2)]
    [TestCase(5, 1.6)]
    [TestCase(30, 60)]
    public void The_backoff_is_full_jitter_under_an_exponential_cap(int failedAttempts, double capSeconds)
    {
        var options = new PaymentLinkForwardingOptions { RetryDelay = TimeSpan.FromSeconds(0.1), MaxRetryDelay = TimeSpan.FromSeconds(60) };
        var random = new Random(7);
        var waits = Enumerable.Range(0, 2000).Select(_ => options.BackoffAfter(failedAttempts, null, random).TotalSeconds).ToList();

        waits.ShouldAllBe(wait => wait >= 0 && wait <= capSeconds + 1e-9);
        waits.Max().ShouldBeGreaterThan(capSeconds * 0.95);
        waits.Min().ShouldBeLessThan(capSeconds * 0.05);
    }

    [Test]
    public void Retry_After_is_waited_for_but_never_beyond_the_longest_wait()
    {
        var options = new PaymentLinkForwardingOptions { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMinutes(5) };
        options.BackoffAfter(1, TimeSpan.FromSeconds(30), Random.Shared).ShouldBe(TimeSpan.FromSeconds(30));
        options.BackoffAfter(1, TimeSpan.FromHours(2), Random.Shared).ShouldBe(TimeSpan.FromMinutes(5));
    }

    [TestCase("GA1.1.123456789.1700000000", "123456789.1700000000")]
    [TestCase("GA1.2.42.7", "42.7")]
    [TestCase("not-a-cookie", null)]
    [TestCase("GA1.1.abc.def", null)]
    [TestCase("", null)]
    public void The_client_id_comes_from_the_ga_cookie(string cookie, string? clientId) =>
        GoogleAnalyticsDestination.ClientIdFromCookie(cookie).ShouldBe(clientId);

    [Test]
    public void Without_a_cookie_the_client_id_is_stable_and_pseudonymous()
    {
        var row = new OutboxRow { Id = 1, SessionId = "cs_live_abc", Destination = ForwardingDestination.GoogleAnalytics, Kind = ForwardingKind.Purchase, OccurredAt = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000) };
        var id = GoogleAnalyticsDestination.ClientId(row);
        id.ShouldMatch("^[0-9]+\\.1764000000$");
        GoogleAnalyticsDestination.ClientId(row).ShouldBe(id);
        GoogleAnalyticsDestination.ClientId(new OutboxRow { Id = 2, SessionId = "cs_live_other", Destination = ForwardingDestination.GoogleAnalytics, Kind = ForwardingKind.Purchase, OccurredAt = row.OccurredAt }).ShouldNotBe(id);
        id.ShouldNotContain("cs_live_abc");
    }

    [Test]
    public void Renewals_go_to_GA4_and_the_webhook_by_default_and_to_Meta_only_with_Meta_SendRenewals()
    {
        new PaymentLinkForwardingOptions().Meta.SendRenewals.ShouldBeFalse();
        var plan = ForwardingPlan.From(Bind(new Dictionary<string, string?>
        {
            ["GoogleAnalytics:MeasurementId"] = "G-ABC1234",
            ["GoogleAnalytics:ApiSecret"] = GoodSecret,
            ["Meta:PixelId"] = "123456789",
            ["Meta:AccessToken"] = GoodSecret,
        }))!;
        plan.Destinations.Where(plan.SendsRenewals).ShouldBe([ForwardingDestination.GoogleAnalytics]);

        var withMeta = ForwardingPlan.From(Bind(new Dictionary<string, string?>
        {
            ["Meta:PixelId"] = "123456789",
            ["Meta:AccessToken"] = GoodSecret,
            ["Meta:SendRenewals"] = "true",
        }))!;
        withMeta.SendsRenewals(ForwardingDestination.Meta).ShouldBeTrue();
    }

    [TestCase(" Jane.Doe@GMail.com ", "janedoe@gmail.com")]
    [TestCase("j.d@googlemail.com", "jd@googlemail.com")]
    [TestCase("Jane.Doe@Example.com", "jane.doe@example.com")]
    public void Emails_are_normalised_as_Google_documents(string email, string normal) =>
        GoogleAnalyticsDestination.NormalizeEmail(email).ShouldBe(normal);

    [Test]
    public void A_section_a_destination_claims_is_its_own_to_bind_and_an_unclaimed_or_misspelt_one_is_still_refused()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhook:Url"] = "https://crm.example.com/hook",
            ["Webhook:Secret"] = "whsec_0123456789abcdef0123456789",
            ["Crm:Url"] = "https://crm.example.com/api",
        };

        // Claimed by the merchant's own destination, before or after the forwarding is added: not an unknown key.
        Claimed(settings, claimFirst: false).BindingFailures.ShouldBeEmpty();
        Claimed(settings, claimFirst: true).BindingFailures.ShouldBeEmpty();

        // Unclaimed: refused, naming the section.
        var unclaimed = new PaymentLinkForwardingOptions();
        ForwardingConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), unclaimed, []);
        unclaimed.BindingFailures.ShouldHaveSingleItem().ShouldContain("Crm");

        // A misspelt section beside the claimed one is still refused.
        settings["Crn:Url"] = "https://crm.example.com/api";
        Claimed(settings, claimFirst: false).BindingFailures.ShouldHaveSingleItem().ShouldContain("Crn");
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase("Crm:Url")]
    [TestCase(" Crm")]
    public void A_claimed_section_is_one_key(string name) =>
        Should.Throw<ArgumentException>(() => new ServiceCollection().AddConversionDestination<ConversionDestinationApiTests.RecordingDestination>(name));

    private static PaymentLinkForwardingOptions Claimed(Dictionary<string, string?> settings, bool claimFirst)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        if (claimFirst)
        {
            services.AddConversionDestination<ConversionDestinationApiTests.RecordingDestination>("Crm");
        }

        services.AddPaymentLinkForwarding(configuration);
        if (!claimFirst)
        {
            services.AddConversionDestination<ConversionDestinationApiTests.RecordingDestination>("Crm");
        }

        using var provider = services.BuildServiceProvider();
        var options = new PaymentLinkForwardingOptions();
        foreach (var configure in provider.GetServices<IConfigureOptions<PaymentLinkForwardingOptions>>())
        {
            configure.Configure(options);
        }

        return options;
    }

    private static PaymentLinkForwardingOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new PaymentLinkForwardingOptions();
        ForwardingConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), options, []);
        options.BindingFailures.ShouldBeEmpty();
        return options;
    }

    private static PaymentLinkForwardingOptions Resolve(Dictionary<string, string?> settings)
    {
        using var provider = new ServiceCollection()
            .AddPaymentLinkForwarding(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value;
    }
}
