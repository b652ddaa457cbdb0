using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Validation;

public class PaymentLinkRulesTests
{
    private static readonly PaymentLinkParameter[] UtmParameters =
    [
        PaymentLinkParameter.UtmSource, PaymentLinkParameter.UtmMedium, PaymentLinkParameter.UtmCampaign,
        PaymentLinkParameter.UtmTerm, PaymentLinkParameter.UtmContent,
    ];

    [Test]
    public void Utm_codes_allow_1_to_150_characters_for_every_utm_parameter(
        [ValueSource(nameof(UtmParameters))] PaymentLinkParameter parameter,
        [Values(1, 149, 150, 151)] int length)
    {
        var check = PaymentLinkRules.Check(parameter, new string('a', length));

        check.IsValid.ShouldBe(length <= 150);
        check.Length.ShouldBe(length);
        check.MaxLength.ShouldBe(150);
        check.Reason.ShouldBe(length <= 150 ? DropReason.None : DropReason.TooLong);
    }

    [TestCase("", false)]
    [TestCase("a", true)]
    [TestCase("spring sale", false)]
    [TestCase("spring%20sale", false)]
    [TestCase("a+b", false)]
    [TestCase("a&b=c", false)]
    [TestCase("a#b", false)]
    [TestCase("caf\u00e9", false)]
    [TestCase("\u0430bc", false)] // Cyrillic a
    [TestCase("\u212a", false)] // Kelvin sign
    [TestCase("spring_sale-2026", true)]
    public void The_yes_or_no_answer_keeps_what_stripe_keeps(string value, bool valid)
    {
        foreach (var parameter in UtmParameters)
        {
            PaymentLinkRules.IsValid(parameter, value).ShouldBe(valid);
        }

        PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, value).ShouldBe(valid);
    }

    [Test]
    public void The_yes_or_no_answer_applies_the_length_limits_at_their_edges(
        [Values(149, 150, 151, 199, 200, 201)] int length)
    {
        var value = new string('x', length);

        PaymentLinkRules.IsValid(PaymentLinkParameter.UtmTerm, value).ShouldBe(length <= 150);
        PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, value).ShouldBe(length <= 200);
        PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, "sk_live_" + value[8..]).ShouldBeFalse();
    }

    [TestCase(1, true)]
    [TestCase(199, true)]
    [TestCase(200, true)]
    [TestCase(201, false)]
    public void Client_reference_id_allows_at_most_200_characters(int length, bool valid)
    {
        var check = PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, new string('7', length));

        check.IsValid.ShouldBe(valid);
        check.Reason.ShouldBe(valid ? DropReason.None : DropReason.TooLong);
        check.MaxLength.ShouldBe(200);
    }

    [TestCase(PaymentLinkParameter.UtmSource)]
    [TestCase(PaymentLinkParameter.ClientReferenceId)]
    [TestCase(PaymentLinkParameter.PrefilledEmail)]
    [TestCase(PaymentLinkParameter.LockedPrefilledEmail)]
    [TestCase(PaymentLinkParameter.PrefilledPromoCode)]
    [TestCase(PaymentLinkParameter.Locale)]
    public void Rejects_an_empty_value(PaymentLinkParameter parameter)
    {
        var check = PaymentLinkRules.Check(parameter, "");

        check.Reason.ShouldBe(DropReason.Empty);
        check.ToString().ShouldBe("empty");
    }

    [TestCase("ABCXYZabcxyz0189-_")]
    [TestCase("campaign_a")]
    [TestCase("earned_email")]
    [TestCase("-")]
    [TestCase("_")]
    [TestCase("2026-spring_SALE")]
    public void Accepts_ascii_letters_digits_dashes_and_underscores(string value)
    {
        PaymentLinkRules.Check(PaymentLinkParameter.UtmCampaign, value).IsValid.ShouldBeTrue();
        PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, value).IsValid.ShouldBeTrue();
    }

    [TestCase("spring sale", 6, 0x20, TestName = "a space")]
    [TestCase("caf\u00e9", 3, 0xE9, TestName = "a non-ASCII letter")]
    [TestCase("\uff11\uff12", 0, 0xFF11, TestName = "full-width digits")]
    [TestCase("p\u0430ypal", 1, 0x430, TestName = "a Cyrillic look-alike of 'a'")]
    [TestCase("\u0391BC", 0, 0x391, TestName = "a Greek look-alike of 'A'")]
    [TestCase("a\u2010b", 1, 0x2010, TestName = "a Unicode hyphen look-alike")]
    [TestCase("a\uff3fb", 1, 0xFF3F, TestName = "a full-width underscore look-alike")]
    [TestCase("50%", 2, '%', TestName = "a percent sign")]
    [TestCase("a+b", 1, '+', TestName = "a plus sign")]
    [TestCase("a&b=c", 1, '&', TestName = "an ampersand")]
    [TestCase("a=b", 1, '=', TestName = "an equals sign")]
    [TestCase("a#b", 1, '#', TestName = "a hash")]
    [TestCase("v1.2", 2, '.', TestName = "a dot")]
    [TestCase("a/b", 1, '/', TestName = "a slash")]
    [TestCase("a?b", 1, '?', TestName = "a question mark")]
    [TestCase("a~b", 1, '~', TestName = "a tilde")]
    [TestCase("tab\t", 3, 9, TestName = "a tab")]
    [TestCase("nul\0", 3, 0, TestName = "a NUL")]
    [TestCase("line\nbreak", 4, 10, TestName = "a line feed")]
    [TestCase("ok\U0001F600", 2, 0x1F600, TestName = "an emoji")]
    [TestCase("a\ud800b", 1, 0xFFFD, TestName = "a lone surrogate")]
    public void Rejects_an_invalid_character_and_says_where(string value, int position, int codePoint)
    {
        foreach (var parameter in new[] { PaymentLinkParameter.UtmSource, PaymentLinkParameter.ClientReferenceId })
        {
            var check = PaymentLinkRules.Check(parameter, value);

            check.Reason.ShouldBe(DropReason.InvalidCharacter);
            check.Position.ShouldBe(position);
            check.InvalidCharacter.Value.ShouldBe(codePoint);
            check.ToString().ShouldContain($"position {position}");
            check.ToString().ShouldContain($"U+{codePoint:X4}");
        }
    }

    [Test]
    public void Reports_a_long_value_as_too_long_with_its_length()
    {
        var check = PaymentLinkRules.Check(PaymentLinkParameter.UtmTerm, new string('x', 151));

        check.ToString().ShouldBe("too long: 151 characters, at most 150");
    }

    [TestCase("sk_live_51H8abcDEF")]
    [TestCase("sk_test_51H8abcDEF")]
    [TestCase("rk_live_51H8abcDEF")]
    [TestCase("rk_test_51H8abcDEF")]
    [TestCase("whsec_abc123")]
    [TestCase("pk_live_51H8abcDEF")]
    [TestCase("pk_test_51H8abcDEF")]
    public void Rejects_a_client_reference_id_that_looks_like_a_stripe_key(string value)
    {
        var check = PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, value);

        check.Reason.ShouldBe(DropReason.LooksLikeSecret);
        check.ToString().ShouldNotContain(value);
    }

    [Test]
    public void Reports_a_secret_as_a_secret_even_when_it_is_also_too_long_or_malformed()
    {
        PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, "sk_live_" + new string('a', 300))
            .Reason.ShouldBe(DropReason.LooksLikeSecret);
        PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, "whsec_a+b/c=")
            .Reason.ShouldBe(DropReason.LooksLikeSecret);
    }

    [TestCase("order_sk_live_1")]
    [TestCase("SK_LIVE_1")]
    [TestCase("sk_1234")]
    [TestCase("pk")]
    [TestCase("whsec")]
    public void Accepts_a_client_reference_id_that_only_resembles_a_key_prefix(string value)
    {
        PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, value).IsValid.ShouldBeTrue();
    }

    [Test]
    public void Key_prefixes_are_only_refused_in_a_client_reference_id()
    {
        PaymentLinkRules.Check(PaymentLinkParameter.UtmSource, "pk_launch").IsValid.ShouldBeTrue();
    }

    [TestCase("jenny@example.com")]
    [TestCase("jenny.rosen+stripe@example.co.uk")]
    [TestCase("a@b.co")]
    [TestCase("o'brien@example.com")]
    [TestCase("j\u00f6rg@b\u00fccher.example")]
    public void Accepts_a_plausible_email(string email)
    {
        PaymentLinkRules.Check(PaymentLinkParameter.PrefilledEmail, email).IsValid.ShouldBeTrue();
        PaymentLinkRules.Check(PaymentLinkParameter.LockedPrefilledEmail, email).IsValid.ShouldBeTrue();
    }

    [TestCase("jenny", DropReason.NotAnEmail, TestName = "no at sign")]
    [TestCase("@example.com", DropReason.NotAnEmail, TestName = "no local part")]
    [TestCase("jenny@", DropReason.NotAnEmail, TestName = "no domain")]
    [TestCase("jenny@localhost", DropReason.NotAnEmail, TestName = "an undotted domain")]
    [TestCase("jenny@example.", DropReason.NotAnEmail, TestName = "a trailing dot")]
    [TestCase("jenny@.example.com", DropReason.NotAnEmail, TestName = "a leading dot")]
    [TestCase("jenny@example..com", DropReason.NotAnEmail, TestName = "an empty label")]
    [TestCase("a@b@example.com", DropReason.NotAnEmail, TestName = "two at signs")]
    [TestCase("jenny@exa_mple.com", DropReason.NotAnEmail, TestName = "an underscore in the domain")]
    [TestCase("jenny@example.com>", DropReason.NotAnEmail, TestName = "a bracket in the domain")]
    [TestCase("jenny rosen@example.com", DropReason.InvalidCharacter, TestName = "a space")]
    [TestCase("jenny@example.com\n", DropReason.InvalidCharacter, TestName = "a line feed")]
    [TestCase("jenny\u00a0@example.com", DropReason.InvalidCharacter, TestName = "a no-break space")]
    public void Rejects_an_implausible_email(string email, DropReason reason)
    {
        PaymentLinkRules.Check(PaymentLinkParameter.PrefilledEmail, email).Reason.ShouldBe(reason);
    }

    // Attribute arguments cannot hold an unpaired surrogate, so the email is assembled here.
    [TestCase("jenny", 0xD800, "@example.com", TestName = "an unpaired high surrogate")]
    [TestCase("jenny", 0xDC00, "@example.com", TestName = "an unpaired low surrogate")]
    [TestCase("jenny@example.com", 0xD83D, "", TestName = "a high surrogate at the end")]
    [TestCase("jenny@b", 0xDFFF, "cher.example", TestName = "an unpaired surrogate in the domain")]
    public void Rejects_an_email_with_an_unpaired_surrogate(string before, int surrogate, string after)
    {
        var email = before + (char)surrogate + after;

        var check = PaymentLinkRules.Check(PaymentLinkParameter.PrefilledEmail, email);

        check.Reason.ShouldBe(DropReason.InvalidCharacter);
        check.Position.ShouldBe(before.Length);
    }

    [Test]
    public void Accepts_an_email_with_a_character_outside_the_basic_plane()
    {
        PaymentLinkRules.Check(PaymentLinkParameter.PrefilledEmail, "jenny\U0001F600@example.com").IsValid.ShouldBeTrue();
    }

    [Test]
    public void Reports_an_unpaired_surrogate_in_an_email_at_its_position()
    {
        var check = PaymentLinkRules.Check(PaymentLinkParameter.PrefilledEmail, "jenny\U0001F600\udc00@example.com");

        check.Position.ShouldBe(7);
        check.InvalidCharacter.Value.ShouldBe(0xFFFD);
        check.ToString().ShouldBe("invalid character '\ufffd' (U+FFFD) at position 7: an email address has no whitespace, control characters or unpaired surrogates");
    }

    [TestCase(254, true)]
    [TestCase(255, false)]
    public void Emails_allow_at_most_254_characters(int length, bool valid)
    {
        const string domain = "@example.com";
        var email = new string('a', length - domain.Length) + domain;

        PaymentLinkRules.Check(PaymentLinkParameter.PrefilledEmail, email).IsValid.ShouldBe(valid);
    }

    [TestCase("SPRING25", true)]
    [TestCase("a", true)]
    [TestCase("spring25", true)]
    [TestCase("SPRING_25", false)]
    [TestCase("SPRING-25", false)]
    [TestCase("SPRING 25", false)]
    [TestCase("\u00c9T\u00c9", false)]
    public void Promo_codes_allow_ascii_letters_and_digits_only(string code, bool valid)
    {
        PaymentLinkRules.Check(PaymentLinkParameter.PrefilledPromoCode, code).IsValid.ShouldBe(valid);
    }

    [Test]
    public void Accepts_every_checkout_locale([ValueSource(typeof(PaymentLinkRules), nameof(PaymentLinkRules.Locales))] string locale)
    {
        PaymentLinkRules.Check(PaymentLinkParameter.Locale, locale).IsValid.ShouldBeTrue();
    }

    [Test]
    public void Knows_the_41_checkout_locales()
    {
        PaymentLinkRules.Locales.Count.ShouldBe(41);
        PaymentLinkRules.Locales.ShouldBeUnique();
    }

    [TestCase("en-gb")]
    [TestCase("EN")]
    [TestCase("en_GB")]
    [TestCase("en-US")]
    [TestCase("pt-PT")]
    [TestCase("klingon")]
    [TestCase(" en")]
    public void Rejects_an_unknown_locale(string locale)
    {
        var check = PaymentLinkRules.Check(PaymentLinkParameter.Locale, locale);

        check.Reason.ShouldBe(DropReason.UnknownLocale);
    }

    [Test]
    public void Checking_a_value_allocates_nothing()
    {
        var values = new[] { "campaign_a", new string('a', 150), "spring sale", "caf\u00e9", "sk_live_x", "jenny@example.com", "zh-TW" };
        var parameters = Enum.GetValues<PaymentLinkParameter>();
        foreach (var parameter in parameters)
        {
            foreach (var value in values)
            {
                PaymentLinkRules.Check(parameter, value); // warm up
            }
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var parameter in parameters)
        {
            foreach (var value in values)
            {
                PaymentLinkRules.Check(parameter, value);
            }
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }

    [Test]
    public void Every_parameter_has_a_query_name_that_maps_back_to_it()
    {
        foreach (var parameter in Enum.GetValues<PaymentLinkParameter>())
        {
            var name = PaymentLinkRules.GetQueryName(parameter);

            PaymentLinkRules.TryGetParameter(name, out var back).ShouldBeTrue();
            back.ShouldBe(parameter);
        }

        PaymentLinkRules.Parameters.ShouldBe(Enum.GetValues<PaymentLinkParameter>());
    }

    [TestCase("UTM_SOURCE")]
    [TestCase("utm_source ")]
    [TestCase("utm_id")]
    [TestCase("")]
    public void Query_names_are_case_sensitive_and_exact(string name)
    {
        PaymentLinkRules.TryGetParameter(name, out _).ShouldBeFalse();
    }

    [TestCase("cs_test_a1B2c3D4e5F6g7H8i9J0", true)]
    [TestCase("cs_live_a1", true)]
    [TestCase("cs_x", true)]
    [TestCase("cs_", false)]
    [TestCase("", false)]
    [TestCase("CS_test_a1", false)]
    [TestCase("pi_test_a1", false)]
    [TestCase("cs_test_a1-b2", false)]
    [TestCase("cs_test_x%27;drop", false)]
    [TestCase("cs_test_x'", false)]
    [TestCase("cs_test_\u0430", false)]
    [TestCase("{CHECKOUT_SESSION_ID}", false)]
    [TestCase("../v1/customers", false)]
    public void Recognises_the_shape_of_a_checkout_session_id(string value, bool valid)
    {
        PaymentLinkRules.IsCheckoutSessionId(value).ShouldBe(valid);
    }

    [TestCase(255, true)]
    [TestCase(256, false)]
    public void Checkout_session_ids_have_at_most_255_characters(int length, bool valid)
    {
        PaymentLinkRules.IsCheckoutSessionId("cs_" + new string('a', length - 3)).ShouldBe(valid);
    }

    [Test]
    public void Refuses_an_undefined_parameter()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => PaymentLinkRules.Check((PaymentLinkParameter)99, "x"));
    }
}
