using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.StripeApi;

public class ThankYouPageTests
{
    [Test]
    public void Reads_the_session_id_and_the_utm_codes_stripe_forwarded()
    {
        var page = ThankYouPage.Parse("https://example.com/thanks?session_id=cs_live_b1Xy_2&utm_source=newsletter&utm_term=running_shoes&lang=fr");

        page.HasSessionId.ShouldBeTrue();
        page.SessionId.ShouldBe("cs_live_b1Xy_2");
        page.HasMalformedSessionId.ShouldBeFalse();
        page.Utm.ShouldBe(new UtmCodes { Source = "newsletter", Term = "running_shoes" });
        page.Url.GetQueryParameter("lang").ShouldBe("fr");
    }

    [Test]
    public void The_placeholder_itself_is_a_malformed_session_id()
    {
        var page = ThankYouPage.Parse("https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}");

        page.SessionId.ShouldBeNull();
        page.HasMalformedSessionId.ShouldBeTrue();
    }

    [Test]
    public void A_page_without_session_id_has_neither_id_nor_malformed_id()
    {
        var page = ThankYouPage.FromUrl(PaymentLinkUrl.Parse("https://example.com/thanks"));

        page.HasSessionId.ShouldBeFalse();
        page.HasMalformedSessionId.ShouldBeFalse();
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("/thanks?session_id=cs_test_1")]
    [TestCase("mailto:a@example.com")]
    public void TryParse_refuses_what_is_not_an_absolute_http_url(string? url)
    {
        ThankYouPage.TryParse(url, out var page).ShouldBeFalse();
        page.ShouldBeNull();
    }

    [Test]
    public void Every_well_formed_session_id_is_read_back() =>
        Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"], 1, 252]
            .Sample(suffix => ThankYouPage.Parse($"https://example.com/thanks?session_id=cs_{suffix}").SessionId.ShouldBe($"cs_{suffix}"));

    [Test]
    public void No_session_id_with_another_character_is_kept() =>
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 20], Gen.Char.Where(c => !char.IsAsciiLetterOrDigit(c) && c != '_'), Gen.String[Gen.Char.AlphaNumeric, 0, 20])
            .Sample((before, bad, after) =>
            {
                var page = ThankYouPage.Parse($"https://example.com/thanks?session_id={Uri.EscapeDataString($"cs_{before}{bad}{after}")}");
                page.SessionId.ShouldBeNull();
                page.HasMalformedSessionId.ShouldBeTrue();
            });

    [Test]
    public void Adding_the_placeholder_twice_changes_nothing() =>
        Gen.Select(Gen.String[Gen.Char["abc=&%20#?"], 0, 20], Gen.Bool)
            .Where((query, _) => !query.Contains("session_id", StringComparison.Ordinal))
            .Sample((query, withQuestionMark) =>
            {
                var once = TrackedRedirectUrl.AddSessionIdPlaceholder($"https://example.com/thanks{(withQuestionMark ? "?" : string.Empty)}{query}", "url");
                TrackedRedirectUrl.AddSessionIdPlaceholder(once, "url").ShouldBe(once);
                ThankYouPage.Parse(once).Url.GetQueryParameter("session_id").ShouldBe("{CHECKOUT_SESSION_ID}");
            });
}
