using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.StripeApi;

public class SecretRedactionTests
{
    private static IEnumerable<string> Prefixes => PaymentLinkRules.SecretPrefixes;

    [TestCaseSource(nameof(Prefixes))]
    public void Redacts_every_key_the_link_rules_refuse(string prefix)
    {
        var text = $"Invalid API Key provided: {prefix}51H8abc****wxyz, see the docs.";

        SecretRedaction.Redact(text, apiKey: null).ShouldBe("Invalid API Key provided: [redacted], see the docs.");
    }

    [Test]
    public void Redacts_the_given_key_and_every_key_shaped_word_in_one_text()
    {
        const string Text = "rk_test_1 and whsec_2 and my-own-key, then sk_live_3.";

        SecretRedaction.Redact(Text, "my-own-key").ShouldBe("[redacted] and [redacted] and [redacted], then [redacted].");
    }

    [TestCase(null, "")]
    [TestCase("", "")]
    [TestCase("No such price: 'price_123'", "No such price: 'price_123'")]
    public void Leaves_text_without_keys_as_it_is(string? text, string expected) =>
        SecretRedaction.Redact(text, apiKey: null).ShouldBe(expected);
}
