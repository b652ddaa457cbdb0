using System.Text;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

public class SignatureVerificationTests
{
    private static readonly byte[] Body = CompletedEventBody();


    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("\t")]
    public void Refuses_a_request_without_a_signature_header(string? header)
    {
        EveryEntryPoint.Rejection(Parser(), Body, header).ShouldBe(PaymentLinkWebhookRejection.MissingHeader);
    }

    [TestCase("garbage")]
    [TestCase("v1={sig}")]
    [TestCase("t=,v1={sig}")]
    [TestCase("t=abc,v1={sig}")]
    [TestCase("t=-{t},v1={sig}")]
    [TestCase("t=+{t},v1={sig}")]
    [TestCase("t={t}.5,v1={sig}")]
    [TestCase("t= {t},v1={sig}")]
    [TestCase("t=99999999999999999999,v1={sig}")]
    [TestCase("t=9223372036854775808,v1={sig}")]
    [TestCase("t={t},t={t},v1={sig}")]
    [TestCase("t={t},,v1={sig}")]
    [TestCase("t={t},v1={sig},")]
    [TestCase("t={t},v1")]
    [TestCase("t={t};v1={sig}")]
    [TestCase("T={t},v1={sig}")]
    public void Refuses_a_malformed_signature_header(string template)
    {
        var t = NowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var header = template.Replace("{t}", t, StringComparison.Ordinal).Replace("{sig}", Signature(Body, NowSeconds), StringComparison.Ordinal);

        EveryEntryPoint.Rejection(Parser(), Body, header).ShouldBe(PaymentLinkWebhookRejection.MalformedHeader);
    }

    [Test]
    public void Accepts_a_header_with_spaces_around_its_items_and_unknown_schemes()
    {
        var header = $" t={NowSeconds} , v1={Signature(Body, NowSeconds)} ,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39, scheme=x=y ";

        EveryEntryPoint.Rejection(Parser(), Body, header).ShouldBe(PaymentLinkWebhookRejection.None);
    }

    [Test]
    public void Signs_the_timestamp_digits_as_the_header_carries_them()
    {
        var digits = "000" + NowSeconds;
        var signed = Encoding.UTF8.GetBytes(digits + ".").Concat(Body).ToArray();
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed));

        EveryEntryPoint.Rejection(Parser(), Body, $"t={digits},v1={signature}").ShouldBe(PaymentLinkWebhookRejection.None);
        EveryEntryPoint.Rejection(Parser(), Body, $"t={NowSeconds},v1={signature}").ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    public static IEnumerable<TestCaseData> UnmatchedSignatures()
    {
        var body = Body;
        var good = Signature(body, NowSeconds);
        yield return new TestCaseData($"t={NowSeconds},v1={Signature(body, NowSeconds, OtherSecret)}").SetName("Refuses_a_signature_made_with_another_secret");
        yield return new TestCaseData($"t={NowSeconds - 1},v1={good}").SetName("Refuses_a_signature_made_for_another_timestamp");
        yield return new TestCaseData($"t={NowSeconds},v0={good}").SetName("Refuses_a_v0_signature_even_when_it_is_right");
        yield return new TestCaseData($"t={NowSeconds},v2={good}").SetName("Refuses_an_unknown_scheme_even_when_it_is_right");
        yield return new TestCaseData($"t={NowSeconds}").SetName("Refuses_a_header_with_no_signature");
        yield return new TestCaseData($"t={NowSeconds},v1={good.ToUpperInvariant()}").SetName("Refuses_a_signature_in_upper_case_hex");
        yield return new TestCaseData($"t={NowSeconds},v1={good[..^2]}").SetName("Refuses_a_truncated_signature");
        yield return new TestCaseData($"t={NowSeconds},v1={good}00").SetName("Refuses_a_signature_with_extra_digits");
        yield return new TestCaseData($"t={NowSeconds},v1={good[..^1]}g").SetName("Refuses_a_signature_with_a_non_hex_digit");
        yield return new TestCaseData($"t={NowSeconds},v1=").SetName("Refuses_an_empty_signature");
        yield return new TestCaseData($"t={NowSeconds},v1={Convert.ToBase64String(Convert.FromHexString(good))}").SetName("Refuses_a_signature_in_base64");
    }

    [TestCaseSource(nameof(UnmatchedSignatures))]
    public void Refuses_a_signature_that_does_not_match(string header)
    {
        EveryEntryPoint.Rejection(Parser(), Body, header).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [TestCase(0)]
    [TestCase(100)]
    [TestCase(-1)]
    public void Refuses_a_payload_changed_after_signing(int index)
    {
        var tampered = (byte[])Body.Clone();
        var at = index < 0 ? tampered.Length + index : index;
        tampered[at] ^= 0x01;

        EveryEntryPoint.Rejection(Parser(), tampered, Header(Body)).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [Test]
    public void Refuses_a_payload_re_serialized_after_signing()
    {
        var compact = Encoding.UTF8.GetBytes(System.Text.Json.Nodes.JsonNode.Parse(Body)!.ToJsonString());
        compact.Length.ShouldBeLessThan(Body.Length);

        EveryEntryPoint.Rejection(Parser(), compact, Header(Body)).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [Test]
    public void Accepts_a_signature_from_either_configured_secret_while_one_is_rolled()
    {
        var parser = Parser(secrets: [Secret, OtherSecret]);

        EveryEntryPoint.Rejection(parser, Body, Header(Body, secret: Secret)).ShouldBe(PaymentLinkWebhookRejection.None);
        EveryEntryPoint.Rejection(parser, Body, Header(Body, secret: OtherSecret)).ShouldBe(PaymentLinkWebhookRejection.None);
        EveryEntryPoint.Rejection(parser, Body, Header(Body, secret: "whsec_neither_of_the_two")).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Accepts_a_header_with_two_v1_signatures_when_either_matches(bool matchingFirst)
    {
        var old = Signature(Body, NowSeconds, OtherSecret);
        var current = Signature(Body, NowSeconds, Secret);
        var header = matchingFirst ? $"t={NowSeconds},v1={current},v1={old}" : $"t={NowSeconds},v1={old},v1={current}";

        EveryEntryPoint.Rejection(Parser(secrets: [Secret]), Body, header).ShouldBe(PaymentLinkWebhookRejection.None);
        EveryEntryPoint.Rejection(Parser(secrets: ["whsec_a_third_secret"]), Body, header).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [TestCase(0, PaymentLinkWebhookRejection.None)]
    [TestCase(300, PaymentLinkWebhookRejection.None)]
    [TestCase(301, PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    [TestCase(-300, PaymentLinkWebhookRejection.None)]
    [TestCase(-301, PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    [TestCase(86400, PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    [TestCase(-86400, PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    public void Accepts_a_timestamp_up_to_the_tolerance_either_side_of_the_clock(int clockAheadBySeconds, PaymentLinkWebhookRejection expected)
    {
        var parser = Parser(Clock(Now.AddSeconds(clockAheadBySeconds)));

        EveryEntryPoint.Rejection(parser, Body, Header(Body, NowSeconds)).ShouldBe(expected);
    }

    [TestCase(1, 1, PaymentLinkWebhookRejection.None)]
    [TestCase(1, 2, PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    [TestCase(3600, -3600, PaymentLinkWebhookRejection.None)]
    [TestCase(3600, 3601, PaymentLinkWebhookRejection.TimestampOutsideTolerance)]
    public void Applies_the_configured_tolerance(int toleranceSeconds, int clockAheadBySeconds, PaymentLinkWebhookRejection expected)
    {
        var options = new PaymentLinkWebhookOptions { SigningSecrets = [Secret], Tolerance = TimeSpan.FromSeconds(toleranceSeconds) };
        var parser = new PaymentLinkWebhookParser(options, Clock(Now.AddSeconds(clockAheadBySeconds)));

        EveryEntryPoint.Rejection(parser, Body, Header(Body)).ShouldBe(expected);
    }

    [Test]
    public void Follows_the_injected_clock_as_it_moves()
    {
        var clock = Clock();
        var parser = Parser(clock);
        var header = Header(Body);

        parser.TryParse(Body, header, out _, out _).ShouldBeTrue();
        clock.Advance(TimeSpan.FromSeconds(301));
        parser.TryParse(Body, header, out _, out var reason).ShouldBeFalse();
        reason.ShouldBe(PaymentLinkWebhookRejection.TimestampOutsideTolerance);
    }

    [Test]
    public void Checks_the_signature_before_the_timestamp()
    {
        var stale = NowSeconds - 3600;
        var forged = $"t={stale},v1={Signature(Body, stale, "whsec_attacker")}";

        EveryEntryPoint.Rejection(Parser(), Body, forged).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
        EveryEntryPoint.Rejection(Parser(), Body, Header(Body, stale)).ShouldBe(PaymentLinkWebhookRejection.TimestampOutsideTolerance);
    }

    [Test]
    public void Verifies_a_CRLF_body_as_received_and_refuses_it_with_LF_newlines()
    {
        var crlf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).ReplaceLineEndings("\r\n"));
        crlf.ShouldContain((byte)'\r');
        var header = Header(crlf);
        var lf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(crlf).ReplaceLineEndings("\n"));

        EveryEntryPoint.Event(Parser(), crlf, header).Checkout!.ClientReferenceId.ShouldBe(ClientReferenceId);
        EveryEntryPoint.Rejection(Parser(), lf, header).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [TestCase("\n")]
    [TestCase("\r\n")]
    [TestCase(" ")]
    public void Refuses_a_body_with_white_space_added_after_signing(string added)
    {
        var padded = Body.Concat(Encoding.UTF8.GetBytes(added)).ToArray();

        EveryEntryPoint.Rejection(Parser(), padded, Header(Body)).ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
        EveryEntryPoint.Rejection(Parser(), padded, Header(padded)).ShouldBe(PaymentLinkWebhookRejection.None);
    }

    [Test]
    public void Verifies_non_ASCII_text_as_its_UTF_8_bytes()
    {
        var session = CompletedSession();
        session["metadata"] = new System.Text.Json.Nodes.JsonObject { ["city"] = "CITY" };
        var json = Encoding.UTF8.GetString(SignedWebhooks.Body(Envelope("checkout.session.completed", session)));
        // Unescaped, as Stripe sends non-ASCII text: multi-byte UTF-8 sequences in the signed bytes.
        var body = Encoding.UTF8.GetBytes(json.Replace("\"CITY\"", "\"Zürich 東京 🙂\"", StringComparison.Ordinal));
        body.Length.ShouldBeGreaterThan(Encoding.UTF8.GetByteCount(json) + 10);

        EveryEntryPoint.Event(Parser(), body, Header(body)).Checkout!.Metadata["city"].ShouldBe("Zürich 東京 🙂");
    }

    [Test]
    public void Refuses_text_with_a_lone_surrogate_which_no_signature_covers()
    {
        var text = Encoding.UTF8.GetString(Body).Replace(ClientReferenceId, "order\ud800", StringComparison.Ordinal);

        Parser().TryParse(text, Header(Body), out _, out var reason).ShouldBeFalse();
        reason.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [Test]
    public void Never_puts_a_secret_or_a_signature_in_a_message()
    {
        var signature = Signature(Body, NowSeconds);
        var headers = new[]
        {
            $"t={NowSeconds},v1={signature}",
            $"t={NowSeconds - 3600},v1={Signature(Body, NowSeconds - 3600)}",
            $"t=x,v1={signature}",
        };
        var bodies = new[] { Body, "{\"tampered\":true}"u8.ToArray(), new byte[300_000] };

        foreach (var body in bodies)
        {
            foreach (var header in headers)
            {
                if (!Parser().TryParse(body, header, out _, out var reason))
                {
                    var message = Should.Throw<PaymentLinkWebhookException>(() => Parser().Parse(body, header)).Message;
                    message.ShouldNotBeNullOrWhiteSpace();
                    message.ShouldNotContain(Secret);
                    message.ShouldNotContain(Secret["whsec_".Length..]);
                    message.ShouldNotContain(signature);
                    new PaymentLinkWebhookException(reason).Message.ShouldBe(message);
                }
            }
        }
    }
}
