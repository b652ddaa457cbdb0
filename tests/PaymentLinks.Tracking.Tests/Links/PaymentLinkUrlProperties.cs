using System.Text.RegularExpressions;
using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Links;

/// <summary>
/// Any base link and any sequence of edits: the URL is a valid absolute URI that parses back to exactly the kept values
/// and the other parameters, and nothing that was dropped reaches it.
/// </summary>
public class PaymentLinkUrlProperties
{
    private static readonly PaymentLinkParameter[] AllParameters = [.. PaymentLinkRules.Parameters];

    // Stripe's documented rules, written independently of the library. Stripe documents no rule for emails, promotion
    // codes or locales beyond what the library states, so its own statements are the reference there.
    private static readonly Regex UtmCodeRule = new(@"^[A-Za-z0-9_-]{1,150}\z", RegexOptions.None);
    private static readonly Regex ClientReferenceIdRule = new(@"^[A-Za-z0-9_-]{1,200}\z", RegexOptions.None);
    private static readonly Regex PromoCodeRule = new(@"^[A-Za-z0-9]+\z", RegexOptions.None);
    private static readonly string[] StripeKeyPrefixes = ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "pk_"];

    // RFC 3986, section 3.4 and 3.5: *( pchar / "/" / "?" ), where pchar is unreserved / pct-encoded / sub-delims / ":" / "@".
    private static readonly Regex Rfc3986QueryOrFragment = new(@"^(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*\z", RegexOptions.None);
    private static readonly Regex NonAscii = new("[^\\x00-\\x7F]|%[89A-Fa-f][0-9A-Fa-f]", RegexOptions.None);

    private static readonly string[] Hosts =
    [
        "buy.stripe.com", "pay.example.com", "Pay.Example.COM", "shop.example.co.uk:8443", "localhost:5000",
        "127.0.0.1:8080", "[::1]:5001", "b\u00fccher.example",
    ];

    // Names that are not payment link parameters, some deceptively close to one, some needing encoding.
    private static readonly string[] OtherNames =
    [
        "plan", "ref", "session_id", "utm_id", "utm_Source", "UTM_SOURCE", "client_reference_ID", "locale ", "a b", "x&y",
        "q=1", "#", "\u00fcn\u00ef", "\u65e5\u672c", "+", "%", "50%25", "",
    ];

    private static readonly string[] Fragments =
    [
        "", "", "", "#", "#top", "#section-2", "#a/b?c=d", "#%E6%97%A5",
        "#x&utm_source=from_fragment&client_reference_id=sk_live_in_fragment",
    ];

    private static readonly Gen<string> Emails =
        from local in Gen.Char["abcxyzABC019._+-%&=#!~'\u00e9\u65e5"].Array[1, 24]
        from odd in Gen.Frequency((8, Gen.Const("")), (1, Gen.OneOf("\ud800", "\udc00", "\U0001F600", "\u00a0")))
        from domain in Gen.OneOf("example.com", "mail.example.co.uk", "b\u00fccher.example", "x-y.io", "EXAMPLE.ORG")
        select new string(local) + odd + "@" + domain;

    private static readonly Gen<string>[] ValuesByParameter = [.. AllParameters.Select(p => Gen.Frequency((5, ValidValues(p)), (4, GeneratedText.AnyValue)))];

    private static readonly Gen<string?>[] OptionalValuesByParameter =
        [.. ValuesByParameter.Select(values => Gen.Frequency((1, Gen.Const((string?)null)), (6, values.Select(v => (string?)v))))];

    private static readonly Gen<string> OtherValues = Gen.Frequency(
        (3, Gen.Char[GeneratedText.AlphanumericAlphabet].Array[0, 12].Select(chars => new string(chars))),
        (2, Gen.Char["&=#+%?/ ;:,@!$'()*[]\u00e9\u65e5"].Array[0, 8].Select(chars => new string(chars))),
        (1, GeneratedText.AnyUnicode.Select(WithoutLoneSurrogates)));

    private static readonly Gen<QueryPair> OtherPairs =
        from name in Gen.OneOf(OtherNames)
        from value in OtherValues
        from bare in Gen.Int[0, 7]
        from form in Gen.Bool
        select new QueryPair(name, bare == 0 && name.Length > 0 ? null : value, form);

    private static readonly Gen<QueryPair> TrackingPairs =
        from parameter in Gen.OneOf(AllParameters)
        from value in Gen.Frequency(
            (8, ValuesByParameter[(int)parameter].Select(v => (string?)WithoutLoneSurrogates(v))),
            (1, Gen.Const<string?>("")),
            (1, Gen.Const((string?)null)))
        from form in Gen.Bool
        select new QueryPair(PaymentLinkRules.GetQueryName(parameter), value, form);

    private static readonly Gen<BaseLink> BaseLinks =
        from https in Gen.Bool
        from host in Gen.OneOf(Hosts)
        from path in Gen.Frequency(
            (4, Gen.Char[GeneratedText.AlphanumericAlphabet].Array[14, 24].Select(id => "/test_" + new string(id))),
            (2, Gen.Char[GeneratedText.AlphanumericAlphabet].Array[1, 24].Select(id => "/b/" + new string(id))),
            (1, Gen.OneOf("", "/", "/pay", "/a%20b/c")))
        from query in Gen.Frequency((3, OtherPairs), (2, TrackingPairs)).Array[Gen.Frequency((1, Gen.Const(0)), (3, Gen.Int[1, 6]))]
        from bareQuestionMark in Gen.Bool
        from fragment in Gen.OneOf(Fragments)
        select new BaseLink((https ? "https://" : "http://") + host + path, query, bareQuestionMark, fragment);

    private static readonly Gen<Edit> SingleEdits =
        from parameter in Gen.OneOf(AllParameters)
        from value in OptionalValuesByParameter[(int)parameter]
        from throughWith in Gen.Bool
        select throughWith
            ? new Edit($"With({parameter}, {GeneratedText.Show(value)})", [(parameter, value)], link => link.With(parameter, value))
            : new Edit($"With{parameter}({GeneratedText.Show(value)})", [(parameter, value)], link => WithNamed(link, parameter, value));

    private static readonly Gen<Edit> UtmEdits =
        from source in OptionalValuesByParameter[(int)PaymentLinkParameter.UtmSource]
        from medium in OptionalValuesByParameter[(int)PaymentLinkParameter.UtmMedium]
        from campaign in OptionalValuesByParameter[(int)PaymentLinkParameter.UtmCampaign]
        from term in OptionalValuesByParameter[(int)PaymentLinkParameter.UtmTerm]
        from content in OptionalValuesByParameter[(int)PaymentLinkParameter.UtmContent]
        let codes = new UtmCodes { Source = source, Medium = medium, Campaign = campaign, Term = term, Content = content }
        select new Edit(
            $"WithUtm({string.Join(", ", new[] { source, medium, campaign, term, content }.Select(GeneratedText.Show))})",
            [
                (PaymentLinkParameter.UtmSource, source), (PaymentLinkParameter.UtmMedium, medium),
                (PaymentLinkParameter.UtmCampaign, campaign), (PaymentLinkParameter.UtmTerm, term),
                (PaymentLinkParameter.UtmContent, content),
            ],
            link => link.WithUtm(codes));

    // Up to 40 edits: past 16 a link folds its edits into a freshly parsed one.
    private static readonly Gen<Edit[]> EditSequences =
        Gen.Frequency((9, SingleEdits), (1, UtmEdits)).Array[Gen.Frequency((3, Gen.Int[0, 6]), (1, Gen.Int[7, 40]))];

    private static PaymentLinkUrl Build(BaseLink baseLink, Edit[] edits) =>
        edits.Aggregate(PaymentLinkUrl.Parse(baseLink.Url), (link, edit) => edit.Apply(link));

    [Test]
    public void Any_link_with_any_edits_parses_back_to_exactly_the_kept_values_and_the_other_parameters()
    {
        Gen.Select(BaseLinks, EditSequences).Sample(
            (baseLink, edits) =>
            {
                var link = Build(baseLink, edits);

                var expected = Expectation.Of(baseLink, edits);
                var url = link.ToString();
                var reparsed = PaymentLinkUrl.Parse(url);

                reparsed.Dropped.ShouldBeEmpty();
                reparsed.ToString().ShouldBe(url);
                foreach (var candidate in new[] { link, reparsed })
                {
                    ShouldCarry(candidate, expected);
                }

                link.Dropped.Select(d => (d.Parameter, d.Value, d.Reason == DropReason.Superseded))
                    .ShouldBe(expected.Drops);
            },
            iter: PropertyRuns.Iterations,
            print: Describe);
    }

    [Test]
    public void Any_link_with_any_edits_is_a_well_formed_absolute_uri_that_carries_no_dropped_value()
    {
        Gen.Select(BaseLinks, EditSequences).Sample(
            (baseLink, edits) =>
            {
                var link = Build(baseLink, edits);

                var expected = Expectation.Of(baseLink, edits);
                var url = link.ToString();

                Uri.TryCreate(url, UriKind.Absolute, out _).ShouldBeTrue(url);
                IsWellFormedForDotnet(url).ShouldBeTrue(url);
                var (query, fragment) = QueryAndFragmentOf(url);
                Rfc3986QueryOrFragment.IsMatch(query).ShouldBeTrue(url);
                Rfc3986QueryOrFragment.IsMatch(fragment).ShouldBeTrue(url);
                link.ToUri().AbsoluteUri.ShouldBe(new Uri(url).AbsoluteUri);

                var timesSeen = new int[AllParameters.Length];
                foreach (var (rawName, rawValue) in QuerySegmentsOf(url))
                {
                    if (!PaymentLinkRules.TryGetParameter(Decode(rawName), out var parameter))
                    {
                        continue;
                    }

                    var value = Decode(rawValue ?? "");
                    (++timesSeen[(int)parameter]).ShouldBe(1, rawName);
                    rawValue.ShouldBe(Uri.EscapeDataString(value), "a value is percent-encoded exactly once");
                    expected.Rejected[(int)parameter].Contains(value).ShouldBeFalse(url);
                }

                var clientReferenceId = link.ClientReferenceId ?? "";
                foreach (var prefix in StripeKeyPrefixes)
                {
                    clientReferenceId.StartsWith(prefix, StringComparison.Ordinal).ShouldBeFalse(clientReferenceId);
                }
                foreach (var dropped in link.Dropped.Where(d => d.Reason == DropReason.LooksLikeSecret))
                {
                    dropped.ToString().ShouldNotContain(dropped.Value);
                }
            },
            iter: PropertyRuns.Iterations,
            print: Describe);
    }

    [Test]
    public void Any_link_renders_the_same_url_whether_it_only_adds_parameters_or_is_resolved()
    {
        long addingOnly = 0;
        long resolved = 0;
        Gen.Select(BaseLinks, EditSequences).Sample(
            (baseLink, edits) =>
            {
                var link = Build(baseLink, edits);

                Interlocked.Increment(ref link.OnlyAddsParameters ? ref addingOnly : ref resolved);
                link.ToString().ShouldBe(link.RenderResolved());
            },
            iter: PropertyRuns.Iterations,
            print: Describe);

        // The comparison means something only when both ways were taken often.
        addingOnly.ShouldBeGreaterThan(PropertyRuns.Iterations / 5);
        resolved.ShouldBeGreaterThan(PropertyRuns.Iterations / 5);
    }

    private static void ShouldCarry(PaymentLinkUrl link, Expectation expected)
    {
        foreach (var parameter in AllParameters)
        {
            link.Get(parameter).ShouldBe(expected.Values[(int)parameter], PaymentLinkRules.GetQueryName(parameter));
        }

        link.Utm.ShouldBe(new UtmCodes
        {
            Source = expected.Values[(int)PaymentLinkParameter.UtmSource],
            Medium = expected.Values[(int)PaymentLinkParameter.UtmMedium],
            Campaign = expected.Values[(int)PaymentLinkParameter.UtmCampaign],
            Term = expected.Values[(int)PaymentLinkParameter.UtmTerm],
            Content = expected.Values[(int)PaymentLinkParameter.UtmContent],
        });
        link.ClientReferenceId.ShouldBe(expected.Values[(int)PaymentLinkParameter.ClientReferenceId]);
        link.PrefilledEmail.ShouldBe(expected.Values[(int)PaymentLinkParameter.PrefilledEmail]);
        link.LockedPrefilledEmail.ShouldBe(expected.Values[(int)PaymentLinkParameter.LockedPrefilledEmail]);
        link.PrefilledPromoCode.ShouldBe(expected.Values[(int)PaymentLinkParameter.PrefilledPromoCode]);
        link.Locale.ShouldBe(expected.Values[(int)PaymentLinkParameter.Locale]);
        foreach (var (name, value) in expected.OtherParameters)
        {
            link.GetQueryParameter(name).ShouldBe(value, name);
        }
    }

    private static bool IsValidByReference(PaymentLinkParameter parameter, string value) => parameter switch
    {
        PaymentLinkParameter.ClientReferenceId => ClientReferenceIdRule.IsMatch(value)
            && !StripeKeyPrefixes.Any(prefix => value.StartsWith(prefix, StringComparison.Ordinal)),
        PaymentLinkParameter.PrefilledEmail or PaymentLinkParameter.LockedPrefilledEmail => PaymentLinkRules.IsValid(parameter, value),
        PaymentLinkParameter.PrefilledPromoCode => PromoCodeRule.IsMatch(value),
        PaymentLinkParameter.Locale => PaymentLinkRules.Locales.Contains(value, StringComparer.Ordinal),
        _ => UtmCodeRule.IsMatch(value),
    };

    private static Gen<string> ValidValues(PaymentLinkParameter parameter) => parameter switch
    {
        PaymentLinkParameter.ClientReferenceId => Gen.Char[GeneratedText.TrackingAlphabet].Array[1, 200].Select(chars => new string(chars)),
        PaymentLinkParameter.PrefilledEmail or PaymentLinkParameter.LockedPrefilledEmail => Emails,
        PaymentLinkParameter.PrefilledPromoCode => Gen.Char[GeneratedText.AlphanumericAlphabet].Array[1, 20].Select(chars => new string(chars)),
        PaymentLinkParameter.Locale => Gen.OneOf([.. PaymentLinkRules.Locales]),
        _ => Gen.Char[GeneratedText.TrackingAlphabet].Array[1, 150].Select(chars => new string(chars)),
    };

    private static PaymentLinkUrl WithNamed(PaymentLinkUrl link, PaymentLinkParameter parameter, string? value) => parameter switch
    {
        PaymentLinkParameter.UtmSource => link.WithUtmSource(value),
        PaymentLinkParameter.UtmMedium => link.WithUtmMedium(value),
        PaymentLinkParameter.UtmCampaign => link.WithUtmCampaign(value),
        PaymentLinkParameter.UtmTerm => link.WithUtmTerm(value),
        PaymentLinkParameter.UtmContent => link.WithUtmContent(value),
        PaymentLinkParameter.ClientReferenceId => link.WithClientReferenceId(value),
        PaymentLinkParameter.PrefilledEmail => link.WithPrefilledEmail(value),
        PaymentLinkParameter.LockedPrefilledEmail => link.WithLockedPrefilledEmail(value),
        PaymentLinkParameter.PrefilledPromoCode => link.WithPrefilledPromoCode(value),
        PaymentLinkParameter.Locale => link.WithLocale(value),
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, null),
    };

    // Uri.IsWellFormedUriString wrongly refuses a URL that holds non-ASCII text (an international host, or an encoded
    // character) together with an encoded reserved character, e.g. ?q=%21%C3%A9 for "!é" (dotnet/runtime#21626), which
    // is how Uri.EscapeDataString writes it. Such a URL counts as well formed when it is once its non-ASCII text is taken
    // out; the RFC 3986 check on the query and fragment still reads every character.
    private static bool IsWellFormedForDotnet(string url) =>
        Uri.IsWellFormedUriString(url, UriKind.Absolute)
        || (NonAscii.IsMatch(url) && Uri.IsWellFormedUriString(NonAscii.Replace(url, "x"), UriKind.Absolute));

    // The query (without '?') and the fragment (without '#') of a URL as written.
    private static (string Query, string Fragment) QueryAndFragmentOf(string url)
    {
        var parts = url.Split('#', 2);
        var question = parts[0].IndexOf('?', StringComparison.Ordinal);
        return (question < 0 ? "" : parts[0][(question + 1)..], parts.Length == 2 ? parts[1] : "");
    }

    // The query of a URL as written: each segment's raw name and raw value (null without '=').
    private static IEnumerable<(string Name, string? Value)> QuerySegmentsOf(string url)
    {
        foreach (var segment in QueryAndFragmentOf(url).Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = segment.Split('=', 2);
            yield return (parts[0], parts.Length == 2 ? parts[1] : null);
        }
    }

    // Form decoding: '+' is a space.
    private static string Decode(string component) => Uri.UnescapeDataString(component.Replace('+', ' '));

    // A lone surrogate cannot be percent-encoded into a URL, so a base URL written by hand cannot hold one.
    private static string WithoutLoneSurrogates(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '?';
            }
        }

        return new string(chars);
    }

    private static string Describe((BaseLink Link, Edit[] Edits) sample) =>
        $"{GeneratedText.Show(sample.Link.Url)}{string.Concat(sample.Edits.Select(edit => Environment.NewLine + "  ." + edit))}";

    private sealed record QueryPair(string Name, string? Value, bool FormEncoded)
    {
        public string Encoded => Encode(Name) + (Value is null ? "" : "=" + Encode(Value));

        private string Encode(string text) =>
            FormEncoded ? Uri.EscapeDataString(text).Replace("%20", "+", StringComparison.Ordinal) : Uri.EscapeDataString(text);
    }

    private sealed record BaseLink(string Prefix, QueryPair[] Query, bool BareQuestionMark, string Fragment)
    {
        public string Url => Prefix
            + (Query.Length > 0 ? "?" + string.Join("&", Query.Select(pair => pair.Encoded)) : BareQuestionMark ? "?" : "")
            + Fragment;

        public override string ToString() => Url;
    }

    private sealed record Edit(string Description, (PaymentLinkParameter Parameter, string? Value)[] Assignments, Func<PaymentLinkUrl, PaymentLinkUrl> Apply)
    {
        public override string ToString() => Description;
    }

    /// <summary>What a link should carry, worked out from Stripe's reading of a URL and the documented meaning of each edit.</summary>
    private sealed class Expectation
    {
        public string?[] Values { get; } = new string?[PaymentLinkRules.ParameterCount];

        public Dictionary<string, string> OtherParameters { get; } = new(StringComparer.Ordinal);

        /// <summary>Gets every invalid value seen for each parameter: none may reach the URL.</summary>
        public HashSet<string>[] Rejected { get; } = [.. Enumerable.Range(0, PaymentLinkRules.ParameterCount).Select(_ => new HashSet<string>(StringComparer.Ordinal))];

        public List<(PaymentLinkParameter Parameter, string Value, bool Superseded)> Drops { get; } = [];

        public static Expectation Of(BaseLink baseLink, Edit[] edits)
        {
            var expected = new Expectation();
            var parsedDrops = new List<(PaymentLinkParameter Parameter, string Value, bool Superseded)>();
            foreach (var pair in baseLink.Query)
            {
                if (!PaymentLinkRules.TryGetParameter(pair.Name, out var parameter))
                {
                    expected.OtherParameters[pair.Name] = pair.Value ?? "";
                    continue;
                }

                // Stripe reads the last occurrence: an earlier kept value is superseded.
                var index = (int)parameter;
                if (expected.Values[index] is { } earlier)
                {
                    parsedDrops.Add((parameter, earlier, true));
                }

                var value = pair.Value ?? "";
                expected.Values[index] = expected.Accept(parameter, value) ? value : null;
                if (expected.Values[index] is null)
                {
                    parsedDrops.Add((parameter, value, false));
                }
            }

            // The latest edit of each parameter decides its value and its drop; drops from edits come oldest first.
            var edited = new bool[PaymentLinkRules.ParameterCount];
            var editDrops = new (int Order, string Value)?[PaymentLinkRules.ParameterCount];
            var order = 0;
            foreach (var (parameter, value) in edits.SelectMany(edit => edit.Assignments))
            {
                var index = (int)parameter;
                edited[index] = true;
                var kept = value is not null && expected.Accept(parameter, value);
                expected.Values[index] = kept ? value : null;
                editDrops[index] = value is not null && !kept ? (order, value) : null;
                order++;
            }

            expected.Drops.AddRange(parsedDrops.Where(drop => !edited[(int)drop.Parameter]));
            expected.Drops.AddRange(AllParameters
                .Where(parameter => editDrops[(int)parameter] is not null)
                .OrderBy(parameter => editDrops[(int)parameter]!.Value.Order)
                .Select(parameter => (parameter, editDrops[(int)parameter]!.Value.Value, false)));
            return expected;
        }

        private bool Accept(PaymentLinkParameter parameter, string value)
        {
            var valid = IsValidByReference(parameter, value);
            if (!valid)
            {
                Rejected[(int)parameter].Add(value);
            }

            return valid;
        }
    }
}
