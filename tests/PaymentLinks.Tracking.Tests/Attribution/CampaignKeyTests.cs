using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Attribution;

public class CampaignKeyTests
{
    private static readonly UtmCodes SpringSale = new() { Source = "newsletter", Medium = "email", Campaign = "spring_sale" };

    [Test]
    public void The_key_of_a_set_of_codes_is_pinned_across_machines_and_versions()
    {
        // Keys are stored in ledgers: a change to the canonical form would orphan every registered key. The values
        // were computed apart from this library, from the canonical form its documentation describes (in Python:
        // hashlib.sha256 over b"\x01" + struct.pack("<i", len(code)) + code.encode("utf-16-le") per code, b"\x00"
        // for an absent one, the version string first; the first 60 bits in base 32).
        CampaignKey.For(SpringSale).Value.ShouldBe("uutrue7pmnzs");
        CampaignKey.For(UtmCodes.None).Value.ShouldBe("ccnktsrwze5r");
    }

    [Test]
    public void Equal_codes_give_equal_keys_of_twelve_base32_characters()
    {
        UtmCodesGen.Any.Sample(
            utm =>
            {
                var key = CampaignKey.For(utm);
                key.ShouldBe(CampaignKey.For(utm with { }));
                key.Value.Length.ShouldBe(CampaignKey.Length);
                key.Value.ShouldAllBe(c => CampaignKey.Alphabet.Contains(c));
                CampaignKey.Parse(key.Value).ShouldBe(key);
            },
            iter: PropertyRuns.Iterations);
    }

    [Test]
    public void Different_codes_give_different_keys()
    {
        Gen.Select(UtmCodesGen.Any, UtmCodesGen.Any).Sample(
            (first, second) =>
            {
                if (first != second)
                {
                    CampaignKey.For(first).ShouldNotBe(CampaignKey.For(second));
                }
            },
            iter: PropertyRuns.Iterations);
    }

    [Test]
    public void An_absent_code_an_empty_code_and_a_code_under_another_name_give_different_keys()
    {
        UtmCodes[] sets =
        [
            UtmCodes.None,
            new() { Source = string.Empty },
            new() { Medium = string.Empty },
            new() { Source = "a" },
            new() { Medium = "a" },
            new() { Content = "a" },
            new() { Source = "ab" },
            new() { Source = "a", Medium = "b" },
            new() { Source = "ab", Medium = string.Empty },
            new() { Source = string.Empty, Medium = "ab" },
            new() { Source = "\ud800" },
            new() { Source = "\udc00" },
            new() { Source = "\ufffd" },
        ];

        sets.Select(CampaignKey.For).Distinct().Count().ShouldBe(sets.Length);
    }

    [TestCase("")]
    [TestCase("abcdefghijk")]
    [TestCase("abcdefghijklm")]
    [TestCase("ABCDEFGHIJKL")]
    [TestCase("abcdefghijk1")]
    [TestCase("abcdefghijk8")]
    [TestCase("abcdefghijk_")]
    [TestCase("abcdefghijk ")]
    public void Text_that_is_not_twelve_lowercase_base32_characters_is_not_a_key(string text)
    {
        CampaignKey.TryParse(text, out var key).ShouldBeFalse();
        key.ShouldBeNull();
        Should.Throw<FormatException>(() => CampaignKey.Parse(text));
    }

    [Test]
    public void A_key_reads_back_from_its_text()
    {
        CampaignKey.TryParse("abcdefghij27", out var key).ShouldBeTrue();
        key!.Value.ShouldBe("abcdefghij27");
        key.ToString().ShouldBe("abcdefghij27");
    }
}

/// <summary>Sets of UTM codes: each code absent, valid, near Stripe's rules, or any text.</summary>
internal static class UtmCodesGen
{
    private static readonly Gen<string?> Code = Gen.Frequency(
        (2, Gen.Const((string?)null)),
        (3, Gen.Char[GeneratedText.TrackingAlphabet].Array[1, 20].Select(chars => (string?)new string(chars))),
        (1, GeneratedText.AnyValue.Select(text => (string?)text)));

    public static readonly Gen<UtmCodes> Any =
        from source in Code
        from medium in Code
        from campaign in Code
        from term in Code
        from content in Code
        select new UtmCodes { Source = source, Medium = medium, Campaign = campaign, Term = term, Content = content };
}
