using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Links;

public class PaymentLinkUrlTests
{
    private const string StripeExample = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";

    [Test]
    public void Builds_stripes_own_example_to_the_character()
    {
        var url = PaymentLinkUrl.Parse(StripeExample)
            .WithUtmMedium("earned_email")
            .WithUtmSource("marketo")
            .WithUtmCampaign("campaign_a")
            .ToString();

        url.ShouldBe("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a");
    }

    [TestCase("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr")]
    [TestCase("https://buy.stripe.com/eVa5nPg1j1wmfXq5kr")]
    [TestCase("https://pay.example.com/b/eVa5nPg1j1wmfXq5kr")]
    [TestCase("http://localhost:5000/pay")]
    [TestCase("https://shop.example.co.uk:8443/checkout/pro?plan=monthly")]
    public void Parses_absolute_http_and_https_urls_on_any_host(string url)
    {
        PaymentLinkUrl.TryParse(url, out var link).ShouldBeTrue();
        link!.ToString().ShouldBe(url);
        PaymentLinkUrl.Parse(url).ToString().ShouldBe(url);
    }

    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    [TestCase("buy.stripe.com/test_eVa5nPg1j1wmfXq5kr", "not an absolute URL")]
    [TestCase("/test_eVa5nPg1j1wmfXq5kr", "not an absolute URL")]
    [TestCase("file:///etc/passwd", "not an http or https URL")]
    [TestCase("ftp://buy.stripe.com/x", "not an http or https URL")]
    [TestCase("mailto:jenny@example.com", "not an http or https URL")]
    [TestCase("javascript:alert(1)", "not an http or https URL")]
    [TestCase("https://", "not an absolute URL")]
    [TestCase("not a url", "not an absolute URL")]
    public void Refuses_what_is_not_an_http_url_with_a_message_naming_the_problem(string url, string problem)
    {
        PaymentLinkUrl.TryParse(url, out var link).ShouldBeFalse();
        link.ShouldBeNull();
        Should.Throw<FormatException>(() => PaymentLinkUrl.Parse(url)).Message.ShouldContain(problem);
    }

    [Test]
    public void Refuses_null()
    {
        PaymentLinkUrl.TryParse(null, out _).ShouldBeFalse();
        Should.Throw<ArgumentNullException>(() => PaymentLinkUrl.Parse(null!));
    }

    [Test]
    public void Each_with_returns_a_new_link_and_leaves_the_base_unchanged()
    {
        var baseLink = PaymentLinkUrl.Parse(StripeExample);

        var a = baseLink.WithUtmSource("a");
        var b = baseLink.WithUtmSource("b");

        baseLink.ToString().ShouldBe(StripeExample);
        a.ToString().ShouldBe(StripeExample + "?utm_source=a");
        b.ToString().ShouldBe(StripeExample + "?utm_source=b");
        a.ShouldNotBeSameAs(baseLink);
    }

    [Test]
    public void Setting_a_parameter_again_replaces_it_in_place()
    {
        var url = PaymentLinkUrl.Parse(StripeExample)
            .WithUtmSource("first").WithUtmMedium("email").WithUtmSource("second")
            .ToString();

        url.ShouldBe(StripeExample + "?utm_source=second&utm_medium=email");
    }

    [Test]
    public void Setting_a_parameter_of_the_parsed_url_replaces_it_in_place()
    {
        var url = PaymentLinkUrl.Parse(StripeExample + "?a=1&utm_source=old&b=2#top")
            .WithUtmSource("new").WithUtmMedium("email")
            .ToString();

        url.ShouldBe(StripeExample + "?a=1&utm_source=new&b=2&utm_medium=email#top");
    }

    [Test]
    public void Null_removes_a_parameter()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_source=old&x=1").WithUtmSource(null).WithUtmMedium("m").WithUtmMedium(null);

        link.ToString().ShouldBe(StripeExample + "?x=1");
        link.Utm.Source.ShouldBeNull();
        link.Dropped.ShouldBeEmpty();
    }

    [Test]
    public void A_removed_parameter_set_again_goes_to_the_end()
    {
        var url = PaymentLinkUrl.Parse(StripeExample + "?utm_source=old&x=1")
            .WithUtmSource(null).WithUtmMedium("m").WithUtmSource("new")
            .ToString();

        url.ShouldBe(StripeExample + "?x=1&utm_medium=m&utm_source=new");
    }

    [Test]
    public void Drops_an_invalid_value_and_reports_it_while_the_link_still_works()
    {
        var link = PaymentLinkUrl.Parse(StripeExample).WithUtmSource("spring sale").WithUtmMedium("email");

        link.ToString().ShouldBe(StripeExample + "?utm_medium=email");
        link.Utm.Source.ShouldBeNull();
        var dropped = link.Dropped.ShouldHaveSingleItem();
        dropped.Name.ShouldBe("utm_source");
        dropped.Parameter.ShouldBe(PaymentLinkParameter.UtmSource);
        dropped.Value.ShouldBe("spring sale");
        dropped.Reason.ShouldBe(DropReason.InvalidCharacter);
        dropped.Check.Position.ShouldBe(6);
        dropped.ToString().ShouldBe("utm_source \"spring sale\": invalid character U+0020 at position 6: only ASCII letters, digits, '-' and '_' are allowed");
    }

    [Test]
    public void An_invalid_value_removes_the_earlier_valid_value_as_stripe_would_see_none()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_source=ok").WithUtmSource("not ok");

        link.ToString().ShouldBe(StripeExample);
        link.Dropped.ShouldHaveSingleItem().Value.ShouldBe("not ok");
    }

    [TestCase(149, true)]
    [TestCase(150, true)]
    [TestCase(151, false)]
    public void Drops_utm_value_longer_than_150_characters(int length, bool kept)
    {
        var value = new string('u', length);

        var link = PaymentLinkUrl.Parse(StripeExample).WithUtmCampaign(value);

        link.Utm.Campaign.ShouldBe(kept ? value : null);
        link.ToString().Contains(value, StringComparison.Ordinal).ShouldBe(kept);
        link.Dropped.Count.ShouldBe(kept ? 0 : 1);
    }

    [TestCase(199, true)]
    [TestCase(200, true)]
    [TestCase(201, false)]
    public void Drops_client_reference_id_longer_than_200_characters(int length, bool kept)
    {
        var value = new string('r', length);

        var link = PaymentLinkUrl.Parse(StripeExample).WithClientReferenceId(value);

        link.ClientReferenceId.ShouldBe(kept ? value : null);
        link.Dropped.Select(d => d.Reason).ShouldBe(kept ? [] : [DropReason.TooLong]);
    }

    [Test]
    public void Drops_an_empty_value()
    {
        var link = PaymentLinkUrl.Parse(StripeExample).WithUtmTerm("");

        link.ToString().ShouldBe(StripeExample);
        link.Dropped.ShouldHaveSingleItem().Reason.ShouldBe(DropReason.Empty);
    }

    [Test]
    public void Drops_a_secret_and_withholds_it_from_the_description()
    {
        var link = PaymentLinkUrl.Parse(StripeExample).WithClientReferenceId("sk_live_51H8abcdefQ7z");

        link.ToString().ShouldBe(StripeExample);
        var dropped = link.Dropped.ShouldHaveSingleItem();
        dropped.Reason.ShouldBe(DropReason.LooksLikeSecret);
        dropped.ToString().ShouldNotContain("51H8abcdefQ7z");
        dropped.Value.ShouldBe("sk_live_51H8abcdefQ7z");
    }

    [Test]
    public void Drops_an_email_with_an_unpaired_surrogate_rather_than_send_a_replacement_character()
    {
        var email = "jenny" + (char)0xD800 + "@example.com";

        var link = PaymentLinkUrl.Parse(StripeExample).WithPrefilledEmail(email);

        link.ToString().ShouldBe(StripeExample);
        link.PrefilledEmail.ShouldBeNull();
        link.Dropped.ShouldHaveSingleItem().Reason.ShouldBe(DropReason.InvalidCharacter);
    }

    [Test]
    public void A_later_value_for_the_same_parameter_clears_its_earlier_drop()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_source=bad%20one").WithUtmSource("bad two").WithUtmSource("good");

        link.Dropped.ShouldBeEmpty();
        link.Utm.Source.ShouldBe("good");
    }

    [Test]
    public void Drops_are_listed_url_first_then_edits_oldest_first()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_term=a+b&utm_content=%25")
            .WithLocale("xx").WithUtmSource("caf\u00e9");

        link.Dropped.Select(d => (d.Name, d.Value)).ShouldBe(
        [
            ("utm_term", "a b"), ("utm_content", "%"), ("locale", "xx"), ("utm_source", "caf\u00e9"),
        ]);
    }

    [Test]
    public void Sets_every_parameter()
    {
        var link = PaymentLinkUrl.Parse(StripeExample)
            .WithUtmSource("s").WithUtmMedium("m").WithUtmCampaign("c").WithUtmTerm("t").WithUtmContent("n")
            .WithClientReferenceId("order-42").WithPrefilledEmail("jenny+test@example.com")
            .WithLockedPrefilledEmail("a.b@example.org").WithPrefilledPromoCode("SPRING25").WithLocale("fr-CA");

        link.ToString().ShouldBe(StripeExample
            + "?utm_source=s&utm_medium=m&utm_campaign=c&utm_term=t&utm_content=n&client_reference_id=order-42"
            + "&prefilled_email=jenny%2Btest%40example.com&locked_prefilled_email=a.b%40example.org"
            + "&prefilled_promo_code=SPRING25&locale=fr-CA");
        link.Utm.ShouldBe(new UtmCodes { Source = "s", Medium = "m", Campaign = "c", Term = "t", Content = "n" });
        link.ClientReferenceId.ShouldBe("order-42");
        link.PrefilledEmail.ShouldBe("jenny+test@example.com");
        link.LockedPrefilledEmail.ShouldBe("a.b@example.org");
        link.PrefilledPromoCode.ShouldBe("SPRING25");
        link.Locale.ShouldBe("fr-CA");
    }

    [Test]
    public void With_utm_sets_all_five_and_removes_the_ones_left_null()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_term=old")
            .WithUtm(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" });

        link.ToString().ShouldBe(StripeExample + "?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale");
        link.Utm.Term.ShouldBeNull();
        Should.Throw<ArgumentNullException>(() => link.WithUtm(null!));
    }

    [Test]
    public void Keeps_other_parameters_and_the_fragment_as_written_and_in_order()
    {
        const string url = StripeExample + "?z=1&a=x%20y&plus=a+b&empty=&flag&enc=%2F%3F#frag%20ment";

        var link = PaymentLinkUrl.Parse(url).WithClientReferenceId("r1");

        link.ToString().ShouldBe(StripeExample + "?z=1&a=x%20y&plus=a+b&empty=&flag&enc=%2F%3F&client_reference_id=r1#frag%20ment");
        link.GetQueryParameter("a").ShouldBe("x y");
        link.GetQueryParameter("plus").ShouldBe("a b");
        link.GetQueryParameter("empty").ShouldBe("");
        link.GetQueryParameter("flag").ShouldBe("");
        link.GetQueryParameter("enc").ShouldBe("/?");
        link.GetQueryParameter("missing").ShouldBeNull();
    }

    [Test]
    public void Reads_tracking_parameters_of_a_parsed_url_through_the_same_rules()
    {
        var link = PaymentLinkUrl.Parse(
            "https://example.com/thanks?session_id=cs_test_a1&utm_source=google&utm_medium=c%20p%20c&client_reference_id=order%2D42&locale=fr");

        link.Utm.Source.ShouldBe("google");
        link.Utm.Medium.ShouldBeNull();
        link.ClientReferenceId.ShouldBe("order-42");
        link.Locale.ShouldBe("fr");
        link.GetQueryParameter("session_id").ShouldBe("cs_test_a1");
        link.Dropped.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            d => d.Name.ShouldBe("utm_medium"), d => d.Value.ShouldBe("c p c"), d => d.Reason.ShouldBe(DropReason.InvalidCharacter));
        link.ToString().ShouldBe("https://example.com/thanks?session_id=cs_test_a1&utm_source=google&client_reference_id=order-42&locale=fr");
    }

    [TestCase("utm_source=a+b", "a b", TestName = "a plus decodes to a space")]
    [TestCase("utm_source=a%2Bb", "a+b", TestName = "an encoded plus")]
    [TestCase("utm_source=a%26b", "a&b", TestName = "an encoded ampersand")]
    [TestCase("utm_source=a%3Db", "a=b", TestName = "an encoded equals sign")]
    [TestCase("utm_source=a%23b", "a#b", TestName = "an encoded hash")]
    [TestCase("utm_source=50%25", "50%", TestName = "an encoded percent")]
    [TestCase("utm_source=50%", "50%", TestName = "a bare percent")]
    [TestCase("utm_source=%zz", "%zz", TestName = "an invalid escape")]
    [TestCase("utm_source=caf%C3%A9", "caf\u00e9", TestName = "an encoded non-ASCII letter")]
    [TestCase("utm_source=caf\u00e9", "caf\u00e9", TestName = "a raw non-ASCII letter")]
    [TestCase("utm_source=a=b", "a=b", TestName = "a second equals sign")]
    public void Drops_an_invalid_parameter_of_a_parsed_url_with_its_decoded_value(string query, string decoded)
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?" + query);

        link.Utm.Source.ShouldBeNull();
        link.ToString().ShouldBe(StripeExample);
        var dropped = link.Dropped.ShouldHaveSingleItem();
        dropped.Value.ShouldBe(decoded);
        dropped.Reason.ShouldBe(DropReason.InvalidCharacter);
    }

    [TestCase("utm_source=", TestName = "an empty value")]
    [TestCase("utm_source", TestName = "no equals sign")]
    public void Drops_an_empty_parameter_of_a_parsed_url(string query)
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?" + query);

        link.ToString().ShouldBe(StripeExample);
        link.Dropped.ShouldHaveSingleItem().Reason.ShouldBe(DropReason.Empty);
    }

    [Test]
    public void A_fragment_ends_the_query()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_source=a#b&utm_medium=c");

        link.Utm.Source.ShouldBe("a");
        link.Utm.Medium.ShouldBeNull();
        link.WithUtmTerm("t").ToString().ShouldBe(StripeExample + "?utm_source=a&utm_term=t#b&utm_medium=c");
    }

    [Test]
    public void A_repeated_parameter_keeps_its_last_value_and_reports_the_earlier_as_superseded()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_source=first&x=1&utm_source=second");

        link.Utm.Source.ShouldBe("second");
        link.ToString().ShouldBe(StripeExample + "?x=1&utm_source=second");
        var dropped = link.Dropped.ShouldHaveSingleItem();
        dropped.Value.ShouldBe("first");
        dropped.Reason.ShouldBe(DropReason.Superseded);
    }

    [Test]
    public void A_repeated_parameter_whose_last_value_is_invalid_is_absent_as_stripe_reads_it()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?utm_source=first&utm_source=sec%20ond");

        link.Utm.Source.ShouldBeNull();
        link.ToString().ShouldBe(StripeExample);
        link.Dropped.Select(d => d.Reason).ShouldBe([DropReason.Superseded, DropReason.InvalidCharacter]);
    }

    [Test]
    public void Parameter_names_are_matched_exactly_and_others_are_kept()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?UTM_SOURCE=a%20b&utm_source%20=x&utm%5Fmedium=email");

        link.Utm.Source.ShouldBeNull();
        link.Utm.Medium.ShouldBe("email");
        link.Dropped.ShouldBeEmpty();
        link.ToString().ShouldBe(StripeExample + "?UTM_SOURCE=a%20b&utm_source%20=x&utm_medium=email");
    }

    [Test]
    public void Encodes_values_once()
    {
        var link = PaymentLinkUrl.Parse(StripeExample).WithPrefilledEmail("o'brien+tag@example.com");

        link.ToString().ShouldBe(StripeExample + "?prefilled_email=o%27brien%2Btag%40example.com");
        PaymentLinkUrl.Parse(link.ToString()).PrefilledEmail.ShouldBe("o'brien+tag@example.com");
    }

    [Test]
    public void Escapes_what_the_base_url_left_unescaped()
    {
        var link = PaymentLinkUrl.Parse("https://pay.example.com/b/a b?q=x y");

        link.ToString().ShouldBe("https://pay.example.com/b/a%20b?q=x%20y");
        link.ToUri().IsAbsoluteUri.ShouldBeTrue();
    }

    [Test]
    public void To_uri_gives_the_same_url()
    {
        var link = PaymentLinkUrl.Parse(StripeExample).WithUtmSource("x").WithLockedPrefilledEmail("a@b.co");

        link.ToUri().AbsoluteUri.ShouldBe(link.ToString());
    }

    [Test]
    public void Round_trips_through_parse()
    {
        var link = PaymentLinkUrl.Parse("https://pay.example.com/b/x?ref=abc&utm_source=old#f")
            .WithUtmSource("new").WithClientReferenceId("order_1").WithPrefilledEmail("a+b@c.de").WithLocale("zh-TW");

        var back = PaymentLinkUrl.Parse(link.ToString());

        back.ToString().ShouldBe(link.ToString());
        back.Utm.ShouldBe(link.Utm);
        back.ClientReferenceId.ShouldBe("order_1");
        back.PrefilledEmail.ShouldBe("a+b@c.de");
        back.Locale.ShouldBe("zh-TW");
        back.GetQueryParameter("ref").ShouldBe("abc");
        back.Dropped.ShouldBeEmpty();
    }

    [Test]
    public void Stays_correct_after_many_edits()
    {
        var link = PaymentLinkUrl.Parse(StripeExample + "?a=1&utm_term=keep").WithUtmSource("bad value");
        for (var i = 0; i < 100; i++)
        {
            link = link.WithUtmCampaign("c" + i).WithClientReferenceId(i % 2 == 0 ? "r" + i : null);
        }

        link.ToString().ShouldBe(StripeExample + "?a=1&utm_term=keep&utm_campaign=c99");
        link.Dropped.ShouldHaveSingleItem().Value.ShouldBe("bad value");
    }

    [Test]
    public void Refuses_an_undefined_parameter()
    {
        var link = PaymentLinkUrl.Parse(StripeExample);

        Should.Throw<ArgumentOutOfRangeException>(() => link.With((PaymentLinkParameter)10, "x"));
        Should.Throw<ArgumentOutOfRangeException>(() => link.Get((PaymentLinkParameter)(-1)));
    }

    [TestCase("https://b\u00fccher.example/pay", "https://b\u00fccher.example/pay")]
    [TestCase("https://[::1]:8443/pay", "https://[::1]:8443/pay")]
    [TestCase("https://user:pw@pay.example.com/p", "https://user:pw@pay.example.com/p")]
    [TestCase("HTTPS://PAY.Example.COM/B/Xy", "https://pay.example.com/B/Xy")]
    [TestCase("https://buy.stripe.com:443/x", "https://buy.stripe.com/x")]
    [TestCase("https://buy.stripe.com", "https://buy.stripe.com/")]
    public void Normalises_the_base_url_as_uri_does(string url, string expected)
    {
        var link = PaymentLinkUrl.Parse(url).WithUtmSource("s");

        link.ToString().ShouldBe(expected + "?utm_source=s");
        link.ToUri().IsAbsoluteUri.ShouldBeTrue();
    }
}
