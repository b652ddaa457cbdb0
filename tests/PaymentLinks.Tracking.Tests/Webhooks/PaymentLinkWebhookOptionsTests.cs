using NUnit.Framework;
using Shouldly;
namespace PaymentLinks.Tracking.Tests.Webhooks;

public class PaymentLinkWebhookOptionsTests
{
    [Test]
    public void Defaults_to_no_secret_a_five_minute_tolerance_and_256_KiB()
    {
        var options = new PaymentLinkWebhookOptions();

        options.SigningSecrets.ShouldBeEmpty();
        options.Tolerance.ShouldBe(TimeSpan.FromMinutes(5));
        options.MaxPayloadBytes.ShouldBe(256 * 1024);
    }

    [Test]
    public void Takes_signing_secrets_added_to_the_default_list()
    {
        var options = new PaymentLinkWebhookOptions();
        options.SigningSecrets.Add(SignedWebhooks.Secret);
        options.SigningSecrets.Add(SignedWebhooks.OtherSecret);

        Should.NotThrow(() => new PaymentLinkWebhookParser(options));
    }

    [Test]
    public void Refuses_null_options()
    {
        Should.Throw<ArgumentNullException>(() => new PaymentLinkWebhookParser(null!));
    }

    [TestCase(null, "SigningSecrets")]
    [TestCase("", "SigningSecrets")]
    [TestCase("sk_test_51HxYzSecretKeyValue", "SigningSecrets[0]")]
    [TestCase("WHSEC_upper_case_prefix_value", "SigningSecrets[0]")]
    [TestCase("whsec_", "SigningSecrets[0]")]
    [TestCase("whsec_trailing_newline_value\n", "SigningSecrets[0]")]
    [TestCase(" whsec_leading_space_value", "SigningSecrets[0]")]
    public void Refuses_a_bad_signing_secret_naming_the_option_but_never_the_value(string? secret, string optionName)
    {
        var options = new PaymentLinkWebhookOptions();
        if (secret is not null)
        {
            options.SigningSecrets.Add(secret);
        }

        var exception = Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options));

        exception.Message.ShouldContain($"PaymentLinkWebhookOptions.{optionName}");
        if (!string.IsNullOrWhiteSpace(secret) && secret.Trim().Length > "whsec_".Length)
        {
            exception.Message.ShouldNotContain(secret.Trim());
        }
    }

    [TestCase("whsec_...")]
    [TestCase("whsec_\u2026")]
    [TestCase("whsec_placeholder_set_PaymentLinkTracking__SigningSecrets__0")]
    [TestCase("whsec_YOUR_PLACEHOLDER")]
    public void Refuses_a_placeholder_pasted_from_documentation_saying_it_is_one(string placeholder)
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = [SignedWebhooks.Secret, placeholder] };

        var exception = Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options));

        exception.Message.ShouldContain("PaymentLinkWebhookOptions.SigningSecrets[1] is a placeholder");
    }

    [Test]
    public void Reports_every_problem_at_once()
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = ["whsec_...", "pk_live_x"], Tolerance = TimeSpan.Zero, MaxPayloadBytes = 0 };

        var message = Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options)).Message;

        message.ShouldContain("SigningSecrets[0] is a placeholder");
        message.ShouldContain("SigningSecrets[1] looks like an API key");
        message.ShouldContain("Tolerance must be positive");
        message.ShouldContain("MaxPayloadBytes must be positive");
    }

    [Test]
    public void Refuses_a_bad_second_secret_by_its_index()
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = [SignedWebhooks.Secret, "rk_live_restricted_key"] };

        var exception = Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options));

        exception.Message.ShouldContain("SigningSecrets[1]");
        exception.Message.ShouldNotContain("rk_live_restricted_key");
    }

    [Test]
    public void Refuses_a_null_secret_list()
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = null! };

        Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options)).Message.ShouldContain("SigningSecrets");
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(-300)]
    public void Refuses_a_tolerance_that_is_not_positive(int seconds)
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = [SignedWebhooks.Secret], Tolerance = TimeSpan.FromSeconds(seconds) };

        var exception = Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options));

        exception.Message.ShouldContain("PaymentLinkWebhookOptions.Tolerance");
        exception.Message.ShouldNotContain(SignedWebhooks.Secret);
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void Refuses_a_max_payload_that_is_not_positive(int bytes)
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = [SignedWebhooks.Secret], MaxPayloadBytes = bytes };

        var exception = Should.Throw<ArgumentException>(() => new PaymentLinkWebhookParser(options));

        exception.Message.ShouldContain("PaymentLinkWebhookOptions.MaxPayloadBytes");
        exception.Message.ShouldNotContain(SignedWebhooks.Secret);
    }

    [Test]
    public void Keeps_the_secrets_it_was_built_with_when_the_options_change_later()
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = [SignedWebhooks.Secret] };
        var parser = new PaymentLinkWebhookParser(options, SignedWebhooks.Clock());
        options.SigningSecrets.Clear();
        options.SigningSecrets.Add(SignedWebhooks.OtherSecret);
        var body = SignedWebhooks.CompletedEventBody();

        parser.TryParse(body, SignedWebhooks.Header(body), out _, out var reason).ShouldBeTrue();
        reason.ShouldBe(PaymentLinkWebhookRejection.None);
    }
}
