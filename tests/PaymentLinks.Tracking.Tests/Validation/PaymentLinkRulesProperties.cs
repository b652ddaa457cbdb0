using System.Text.RegularExpressions;
using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Validation;

/// <summary>The validation core against Stripe's rules written out as plain regular expressions.</summary>
public class PaymentLinkRulesProperties
{
    // Stripe's rules, as documented. \z and not $: $ also matches before a final newline. No IgnoreCase: the Kelvin
    // sign and the long s would fold onto ASCII letters.
    private static readonly Regex UtmCodeRule = new(@"^[A-Za-z0-9_-]{1,150}\z", RegexOptions.None);
    private static readonly Regex ClientReferenceIdRule = new(@"^[A-Za-z0-9_-]{1,200}\z", RegexOptions.None);
    private static readonly Regex OutsideTheAlphabet = new(@"[^A-Za-z0-9_-]", RegexOptions.None);
    private static readonly string[] StripeKeyPrefixes = ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "pk_"];

    private static readonly PaymentLinkParameter[] UtmParameters =
    [
        PaymentLinkParameter.UtmSource, PaymentLinkParameter.UtmMedium, PaymentLinkParameter.UtmCampaign,
        PaymentLinkParameter.UtmTerm, PaymentLinkParameter.UtmContent,
    ];

    [Test]
    public void Utm_code_verdict_equals_stripes_rule_for_any_string()
    {
        GeneratedText.AnyValue.Sample(
            value =>
            {
                var expected = UtmCodeRule.IsMatch(value);
                foreach (var parameter in UtmParameters)
                {
                    PaymentLinkRules.Check(parameter, value).IsValid.ShouldBe(expected, PaymentLinkRules.GetQueryName(parameter));
                }
            },
            iter: PropertyRuns.Iterations,
            print: GeneratedText.Show);
    }

    [Test]
    public void The_yes_or_no_answer_equals_the_full_verdict_for_every_parameter_and_any_string()
    {
        GeneratedText.AnyValue.Sample(
            value =>
            {
                foreach (var parameter in PaymentLinkRules.Parameters)
                {
                    PaymentLinkRules.IsValid(parameter, value)
                        .ShouldBe(PaymentLinkRules.Check(parameter, value).IsValid, PaymentLinkRules.GetQueryName(parameter));
                }

                PaymentLinkRules.IsValid(PaymentLinkParameter.UtmContent, value).ShouldBe(UtmCodeRule.IsMatch(value));
            },
            iter: PropertyRuns.Iterations,
            print: GeneratedText.Show);
    }

    [Test]
    public void Client_reference_id_verdict_equals_stripes_rule_without_key_prefixes_for_any_string()
    {
        GeneratedText.AnyValue.Sample(
            value =>
            {
                var expected = ClientReferenceIdRule.IsMatch(value)
                    && !StripeKeyPrefixes.Any(prefix => value.StartsWith(prefix, StringComparison.Ordinal));

                PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, value).IsValid.ShouldBe(expected);
            },
            iter: PropertyRuns.Iterations,
            print: GeneratedText.Show);
    }

    [Test]
    public void The_reason_names_the_first_rule_a_utm_code_breaks_and_where()
    {
        GeneratedText.AnyValue.Sample(
            value =>
            {
                var check = PaymentLinkRules.Check(PaymentLinkParameter.UtmTerm, value);
                var firstOutsider = OutsideTheAlphabet.Match(value);

                var expected = value.Length == 0 ? DropReason.Empty
                    : value.Length > PaymentLinkRules.MaxUtmCodeLength ? DropReason.TooLong
                    : firstOutsider.Success ? DropReason.InvalidCharacter
                    : DropReason.None;
                check.Reason.ShouldBe(expected);
                check.Length.ShouldBe(value.Length);
                check.Position.ShouldBe(expected == DropReason.InvalidCharacter ? firstOutsider.Index : -1);
            },
            iter: PropertyRuns.Iterations,
            print: GeneratedText.Show);
    }
}
