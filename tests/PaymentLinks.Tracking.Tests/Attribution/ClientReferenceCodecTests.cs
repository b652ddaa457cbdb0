using System.Text.RegularExpressions;
using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Attribution;

public class ClientReferenceCodecTests
{
    // Stripe's rule for client_reference_id, written out independently of PaymentLinkRules.
    private static readonly Regex StripeRule = new(@"^[A-Za-z0-9_-]{1,200}\z", RegexOptions.None);

    private static readonly CampaignKey Key = CampaignKey.For(new UtmCodes { Source = "newsletter", Campaign = "spring_sale" });
    private static readonly CampaignKey OtherKey = CampaignKey.For(new UtmCodes { Source = "ads" });

    private static readonly Gen<CampaignKey> Keys = UtmCodesGen.Any.Select(CampaignKey.For);

    /// <summary>Every valid reference: any length from 1 to 200, often at the edges, often shaped like an encoded one.</summary>
    private static readonly Gen<string> ValidReferences = Gen.Frequency(
            (4, Gen.Char[GeneratedText.TrackingAlphabet].Array[1, 200].Select(chars => new string(chars))),
            (2, Gen.Char[GeneratedText.TrackingAlphabet].Array[Gen.Int[180, 184]].Select(chars => new string(chars))),
            (1, Gen.Char["_-"].Array[1, 8].Select(chars => new string(chars))),
            (2, from head in Gen.Char[GeneratedText.TrackingAlphabet].Array[1, 170]
                from key in Keys
                select new string(head) + ClientReferenceCodec.Marker + key.Value))
        .Where(reference => PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, reference));

    private static readonly Gen<string?> ReferencesOrNone = Gen.Frequency(
        (1, Gen.Const((string?)null)), (9, ValidReferences.Select(reference => (string?)reference)));

    [Test]
    public void The_suffix_is_the_marker_and_a_key()
    {
        ClientReferenceCodec.SuffixLength.ShouldBe(ClientReferenceCodec.Marker.Length + CampaignKey.Length);
        ClientReferenceCodec.MaxMerchantReferenceLength.ShouldBe(182);
    }

    [Test]
    public void Decoding_gives_back_every_reference_that_leaves_room_and_every_key()
    {
        Gen.Select(ReferencesOrNone, Keys).Sample(
            (reference, key) =>
            {
                var encoded = ClientReferenceCodec.Encode(reference, key);
                if (reference is null || reference.Length <= ClientReferenceCodec.MaxMerchantReferenceLength)
                {
                    encoded.Outcome.ShouldBe(CampaignKeyOutcome.Included);
                    ClientReferenceCodec.Decode(encoded.ClientReferenceId).ShouldBe(new DecodedClientReference(reference, key));
                }
                else
                {
                    encoded.Outcome.ShouldBe(CampaignKeyOutcome.ReferenceTooLong);
                    encoded.ClientReferenceId.ShouldBe(reference);
                }

                encoded.MerchantReference.ShouldBe(reference);
                encoded.Key.ShouldBe(key);
            },
            iter: PropertyRuns.Iterations,
            print: pair => $"{GeneratedText.Show(pair.Item1)} {pair.Item2}");
    }

    [Test]
    public void The_encoded_value_always_passes_stripes_rules()
    {
        Gen.Select(ReferencesOrNone, Keys).Sample(
            (reference, key) =>
            {
                var value = ClientReferenceCodec.Encode(reference, key).ClientReferenceId;
                StripeRule.IsMatch(value).ShouldBeTrue();
                value.Length.ShouldBeLessThanOrEqualTo(PaymentLinkRules.MaxClientReferenceIdLength);
                PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, value).IsValid.ShouldBeTrue();
            },
            iter: PropertyRuns.Iterations,
            print: pair => $"{GeneratedText.Show(pair.Item1)} {pair.Item2}");
    }

    [Test]
    public void Any_text_decodes_without_failing_and_a_found_key_encodes_back_to_the_same_text()
    {
        Gen.Frequency(
                (3, GeneratedText.AnyValue),
                (1, from head in GeneratedText.AnyValue
                    from tail in Gen.Char[CampaignKey.Alphabet + "A8_"].Array[12]
                    select head + ClientReferenceCodec.Marker + new string(tail)))
            .Sample(
                text =>
                {
                    var decoded = ClientReferenceCodec.Decode(text);
                    if (decoded.Key is null)
                    {
                        decoded.MerchantReference.ShouldBe(text.Length == 0 ? null : text);
                    }
                    else
                    {
                        (decoded.MerchantReference + ClientReferenceCodec.Marker + decoded.Key.Value).ShouldBe(text);
                        if (decoded.MerchantReference is null
                            || (decoded.MerchantReference.Length <= ClientReferenceCodec.MaxMerchantReferenceLength
                                && PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, decoded.MerchantReference)))
                        {
                            ClientReferenceCodec.Encode(decoded.MerchantReference, decoded.Key).ClientReferenceId.ShouldBe(text);
                        }
                    }
                },
                iter: PropertyRuns.Iterations,
                print: GeneratedText.Show);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(181)]
    [TestCase(182)]
    public void A_reference_that_leaves_room_carries_the_key_at_the_end(int length)
    {
        var reference = new string('r', length);

        var encoded = ClientReferenceCodec.Encode(reference, Key);

        encoded.IsKeyIncluded.ShouldBeTrue();
        encoded.ClientReferenceId.ShouldBe(reference + "_plk1_" + Key.Value);
        encoded.ClientReferenceId.Length.ShouldBe(length + 18);
        ClientReferenceCodec.Decode(encoded.ClientReferenceId).ShouldBe(new DecodedClientReference(reference, Key));
    }

    [TestCase(183)]
    [TestCase(199)]
    [TestCase(200)]
    public void A_reference_too_long_to_share_is_kept_whole_and_the_key_left_out(int length)
    {
        var reference = new string('r', length);

        var encoded = ClientReferenceCodec.Encode(reference, Key);

        encoded.Outcome.ShouldBe(CampaignKeyOutcome.ReferenceTooLong);
        encoded.IsKeyIncluded.ShouldBeFalse();
        encoded.ClientReferenceId.ShouldBe(reference);
        encoded.ToString().ShouldBe($"campaign key {Key} left out: the reference has {length} characters, at most 182 leave room for it");
        ClientReferenceCodec.Decode(encoded.ClientReferenceId).ShouldBe(new DecodedClientReference(reference, null));
    }

    [Test]
    public void No_reference_gives_the_key_alone()
    {
        var encoded = ClientReferenceCodec.Encode(null, Key);

        encoded.ClientReferenceId.ShouldBe("_plk1_" + Key.Value);
        encoded.IsKeyIncluded.ShouldBeTrue();
        encoded.ToString().ShouldBe($"client_reference_id carries campaign key {Key}");
        ClientReferenceCodec.Decode(encoded.ClientReferenceId).ShouldBe(new DecodedClientReference(null, Key));
    }

    [TestCase("_")]
    [TestCase("-")]
    [TestCase("__")]
    [TestCase("_order")]
    [TestCase("-order")]
    [TestCase("order_")]
    [TestCase("order-")]
    [TestCase("order_4711")]
    [TestCase("a_b-c_d")]
    [TestCase("_plk1_")]
    [TestCase("plk1")]
    [TestCase("order_plk1_")]
    [TestCase("order_plk1_abcdefghijkl")]
    [TestCase("_plk1_abcdefghijkl")]
    [TestCase("_plk1_abcdefghijkl_plk1_abcdefghijkl")]
    public void References_with_underscores_dashes_or_the_marker_itself_round_trip(string reference)
    {
        var encoded = ClientReferenceCodec.Encode(reference, Key);

        encoded.ClientReferenceId.ShouldBe(reference + "_plk1_" + Key.Value);
        ClientReferenceCodec.Decode(encoded.ClientReferenceId).ShouldBe(new DecodedClientReference(reference, Key));
    }

    [TestCase("order_4711")]
    [TestCase("a")]
    [TestCase("_plk1_")]
    [TestCase("_plk1_abcdefghijk")]
    [TestCase("_plk1_abcdefghijklm")]
    [TestCase("_plk1_ABCDEFGHIJKL")]
    [TestCase("_plk1_abcdefghijk1")]
    [TestCase("_plk2_abcdefghijkl")]
    [TestCase("-plk1_abcdefghijkl")]
    [TestCase("plk1_abcdefghijkl")]
    [TestCase("order_PLK1_abcdefghijkl")]
    [TestCase("order_plk1-abcdefghijkl")]
    [TestCase("9f1c2d3e-0000-4000-8000-00000000abcd")]
    [TestCase("cus_QXwVt2kZLeNmJY")]
    public void A_reference_made_without_the_codec_decodes_to_itself_without_a_key(string reference)
    {
        ClientReferenceCodec.Decode(reference).ShouldBe(new DecodedClientReference(reference, null));
    }

    [TestCase(null)]
    [TestCase("")]
    public void No_value_decodes_to_no_reference_and_no_key(string? value)
    {
        var decoded = ClientReferenceCodec.Decode(value);

        decoded.MerchantReference.ShouldBeNull();
        decoded.Key.ShouldBeNull();
        decoded.HasKey.ShouldBeFalse();
    }

    [Test]
    public void A_too_long_reference_that_itself_ends_like_a_key_decodes_as_encoded()
    {
        // The one documented misreading: only a reference over 182 characters ending in the marker and a key.
        var reference = new string('r', 170) + "_plk1_" + OtherKey.Value;

        var encoded = ClientReferenceCodec.Encode(reference, Key);

        encoded.Outcome.ShouldBe(CampaignKeyOutcome.ReferenceTooLong);
        ClientReferenceCodec.Decode(encoded.ClientReferenceId).ShouldBe(new DecodedClientReference(new string('r', 170), OtherKey));
    }

    [TestCase("", "empty")]
    [TestCase("order 4711", "invalid character U+0020 at position 5")]
    [TestCase("order#4711", "invalid character '#' (U+0023) at position 5")]
    [TestCase("sk_live_51Hdontleakme", "looks like a Stripe key")]
    public void An_invalid_reference_is_refused_with_the_reason_and_never_the_value(string reference, string reason)
    {
        var refused = Should.Throw<ArgumentException>(() => ClientReferenceCodec.Encode(reference, Key));

        refused.ParamName.ShouldBe("merchantReference");
        refused.Message.ShouldContain(reason);
        if (reference.Length > 0)
        {
            refused.Message.ShouldNotContain(reference);
        }
    }

    [Test]
    public void A_reference_of_201_characters_is_refused_as_too_long()
    {
        Should.Throw<ArgumentException>(() => ClientReferenceCodec.Encode(new string('r', 201), Key))
            .Message.ShouldContain("too long: 201 characters, at most 200");
    }

    [Test]
    public void A_missing_key_is_refused()
    {
        Should.Throw<ArgumentNullException>(() => ClientReferenceCodec.Encode("order_4711", null!)).ParamName.ShouldBe("key");
    }

    private const string ClickId = "abcdefgh234567xy";

    [Test]
    public void A_click_id_follows_the_reference_and_the_key_and_decodes_back()
    {
        var withKey = ClientReferenceCodec.Encode("order_4711", Key).ClientReferenceId;

        var value = ClientReferenceCodec.AppendClickId(withKey, ClickId).ShouldNotBeNull();

        value.ShouldBe($"order_4711_plk1_{Key.Value}_plc1_{ClickId}");
        StripeRule.IsMatch(value).ShouldBeTrue();
        ClientReferenceCodec.Decode(value).ShouldBe(new DecodedClientReference("order_4711", Key) { ClickId = ClickId });
        ClientReferenceCodec.Decode(ClientReferenceCodec.AppendClickId(null, ClickId)).ShouldBe(new DecodedClientReference(null, null) { ClickId = ClickId });
        ClientReferenceCodec.Decode(ClientReferenceCodec.AppendClickId("order_4711", ClickId)).ShouldBe(new DecodedClientReference("order_4711", null) { ClickId = ClickId });
    }

    [Test]
    public void A_new_click_id_replaces_the_one_a_reference_ends_with()
    {
        var first = ClientReferenceCodec.AppendClickId("order_1", ClickId)!;

        ClientReferenceCodec.AppendClickId(first, "zzzzzzzzzzzzzzzz").ShouldBe("order_1_plc1_zzzzzzzzzzzzzzzz");
    }

    [TestCase(178, true)]
    [TestCase(179, false)]
    [TestCase(200, false)]
    public void A_click_id_is_appended_only_where_it_leaves_the_value_within_200_characters(int length, bool appended)
    {
        var reference = new string('r', length);

        var value = ClientReferenceCodec.AppendClickId(reference, ClickId);

        (value is not null).ShouldBe(appended);
        if (value is not null)
        {
            value.Length.ShouldBeLessThanOrEqualTo(200);
            ClientReferenceCodec.Decode(value).ShouldBe(new DecodedClientReference(reference, null) { ClickId = ClickId });
        }
    }

    [TestCase("ABCDEFGH234567XY")]
    [TestCase("abcdefgh234567x")]
    [TestCase("abcdefgh234567xyz")]
    [TestCase("abcdefgh2345670y")]
    public void A_value_not_shaped_like_a_click_id_is_refused_and_not_decoded_as_one(string notAClickId)
    {
        ClientReferenceCodec.IsClickId(notAClickId).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => ClientReferenceCodec.AppendClickId("order_1", notAClickId));
        ClientReferenceCodec.Decode("order_1_plc1_" + notAClickId).ClickId.ShouldBeNull();
    }

    [Test]
    public void Appending_a_click_id_then_decoding_gives_back_the_reference_the_key_and_the_click()
    {
        Gen.Select(ReferencesOrNone, Keys, Gen.Char[CampaignKey.Alphabet].Array[ClientReferenceCodec.ClickIdLength].Select(chars => new string(chars)))
            .Sample(
                (reference, key, click) =>
                {
                    var encoded = ClientReferenceCodec.Encode(reference, key);
                    var value = ClientReferenceCodec.AppendClickId(encoded.ClientReferenceId, click);
                    if (encoded.ClientReferenceId.Length > ClientReferenceCodec.MaxLengthBeforeClickId)
                    {
                        return value is null;
                    }

                    var decoded = ClientReferenceCodec.Decode(value);
                    return value is not null && StripeRule.IsMatch(value) && decoded.ClickId == click
                        && decoded == ClientReferenceCodec.Decode(encoded.ClientReferenceId) with { ClickId = click };
                },
                iter: PropertyRuns.Iterations);
    }
}
