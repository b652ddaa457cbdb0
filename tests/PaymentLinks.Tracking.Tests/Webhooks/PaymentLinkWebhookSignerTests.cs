using System.Buffers;
using System.Text.Unicode;
using System.Text;
using CsCheck;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

public class PaymentLinkWebhookSignerTests
{
    [Test]
    public void Signs_as_Stripe_does_HMAC_SHA256_of_the_timestamp_a_dot_and_the_payload()
    {
        var body = CompletedEventBody();

        PaymentLinkWebhookSigner.CreateSignatureHeader(body, Secret, Now)
            .ShouldBe($"t={NowSeconds},v1={Signature(body, NowSeconds)}");
    }

    [Test]
    public void The_string_payload_is_signed_as_its_UTF_8_bytes()
    {
        var body = Encoding.UTF8.GetString(CompletedEventBody()).Replace(ClientReferenceId, "caf\u00e9-\U0001F600", StringComparison.Ordinal);

        PaymentLinkWebhookSigner.CreateSignatureHeader(body, Secret, Now)
            .ShouldBe(PaymentLinkWebhookSigner.CreateSignatureHeader(Encoding.UTF8.GetBytes(body), Secret, Now));
    }

    [Test]
    public void Its_header_is_accepted_by_every_entry_point_of_the_parser()
    {
        var body = CompletedEventBody();

        var header = PaymentLinkWebhookSigner.CreateSignatureHeader(body, Secret, Now);

        EveryEntryPoint.Rejection(Parser(), body, header).ShouldBe(PaymentLinkWebhookRejection.None);
    }

    [Test]
    public void Its_header_is_accepted_by_Stripe_net_ConstructEvent()
    {
        var body = Encoding.UTF8.GetString(CompletedEventBody());

        var header = PaymentLinkWebhookSigner.CreateSignatureHeader(body, Secret, DateTimeOffset.UtcNow);

        Stripe.EventUtility.ConstructEvent(body, header, Secret, throwOnApiVersionMismatch: false).Id.ShouldBe(EventId);
    }

    [Test]
    public void Stripe_net_and_the_parser_accept_its_headers_for_any_payload_secret_and_time()
    {
        var secret = Gen.String[Gen.Char.AlphaNumeric, 1, 40].Select(text => "whsec_" + text);
        // Stripe.net reads the timestamp as a 32-bit number: it overflows after 2038-01-19.
        var time = Gen.Long[0, int.MaxValue].Select(DateTimeOffset.FromUnixTimeSeconds);
        var payload = Gen.String.Where(text => Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == OperationStatus.Done);

        Gen.Select(payload, secret, time).Sample(
            (text, signingSecret, at) =>
            {
                var header = PaymentLinkWebhookSigner.CreateSignatureHeader(text, signingSecret, at);

                Should.NotThrow(() => Stripe.EventUtility.ValidateSignature(text, header, signingSecret, 300, at.ToUnixTimeSeconds()));
                Parser(Clock(at), secrets: signingSecret).TryParse(text, header, out _, out var reason);
                reason.ShouldBeOneOf(
                    PaymentLinkWebhookRejection.None, PaymentLinkWebhookRejection.MalformedJson, PaymentLinkWebhookRejection.NotAnEvent);
            },
            iter: PropertyRuns.Iterations / 10);
    }

    [Test]
    public void Its_header_signed_with_another_secret_is_refused()
    {
        var body = CompletedEventBody();

        var header = PaymentLinkWebhookSigner.CreateSignatureHeader(body, OtherSecret, Now);

        Parser().TryParse(body, header, out _, out var reason).ShouldBeFalse();
        reason.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
    }

    [TestCase(0L)]
    [TestCase(1L)]
    [TestCase(253_402_300_799L)]
    public void Writes_the_timestamp_in_whole_Unix_seconds(long seconds)
    {
        var header = PaymentLinkWebhookSigner.CreateSignatureHeader("{}", Secret, DateTimeOffset.FromUnixTimeSeconds(seconds).AddMilliseconds(999));

        header.ShouldStartWith($"t={seconds},v1=");
        header.Length.ShouldBe($"t={seconds},v1=".Length + 64);
    }

    [Test]
    public void Refuses_a_time_before_the_Unix_epoch() =>
        Should.Throw<ArgumentOutOfRangeException>(() =>
            PaymentLinkWebhookSigner.CreateSignatureHeader("{}", Secret, DateTimeOffset.FromUnixTimeSeconds(-1)));

    [TestCase(null)]
    [TestCase("")]
    public void Refuses_a_missing_secret(string? secret) =>
        Should.Throw<ArgumentException>(() => PaymentLinkWebhookSigner.CreateSignatureHeader("{}", secret!, Now));

    [Test]
    public void Refuses_a_payload_with_a_lone_surrogate_which_has_no_UTF_8_form() =>
        Should.Throw<ArgumentException>(() => PaymentLinkWebhookSigner.CreateSignatureHeader("{\"a\":\"\ud800\"}", Secret, Now))
            .ParamName.ShouldBe("payload");
}
