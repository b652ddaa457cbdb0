using System.Text;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding;

public sealed class ConversionWebhookVerifierTests
{
    private const string Secret = "conversion-secret-0123456789abcdefghijkl";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task What_the_webhook_destination_sends_the_verifier_accepts()
    {
        var destination = new WebhookDestination(new WebhookForwardingOptions { Url = new Uri("https://hooks.example/c"), Secret = Secret }, assumeConsent: false);
        var row = new OutboxRow
        {
            Id = 7,
            SessionId = "cs_live_verify",
            Destination = ForwardingDestination.Webhook,
            Kind = ForwardingKind.Refund,
            RefundKey = "re_9",
            Amount = 1200,
            Currency = "jpy",
            OccurredAt = Now.AddMinutes(-1),
            Livemode = true,
        };
        using var request = destination.CreateRequest([row], Now);
        var body = await request.Content!.ReadAsByteArrayAsync();
        var header = request.Headers.GetValues(ConversionWebhookVerifier.SignatureHeaderName).Single();

        var conversion = new ConversionWebhookVerifier(Secret, timeProvider: new FakeTimeProvider(Now)).Verify(body, header);

        conversion.Type.ShouldBe(ConversionWebhookEvent.RefundedType);
        conversion.Id.ShouldBe("conv_cs_live_verify_refund_re_9");
        conversion.SessionId.ShouldBe("cs_live_verify");
        conversion.Amount.ShouldBe(1200);
        conversion.Value.ShouldBe(1200m);
        conversion.Livemode.ShouldBeTrue();
        conversion.Consent.ShouldBe("denied");
        header.ShouldStartWith($"t={Now.ToUnixTimeSeconds()},v1=");
    }

    [Test]
    public void A_changed_body_another_secret_or_an_old_signature_is_refused()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"conv_1","type":"conversion.paid","session_id":"cs_live_1","amount":1}""");
        var header = PaymentLinkWebhookSigner.CreateSignatureHeader(body, Secret, Now);
        var verifier = new ConversionWebhookVerifier(Secret, timeProvider: new FakeTimeProvider(Now));

        verifier.TryVerify(body, header, out var conversion, out _).ShouldBeTrue();
        conversion!.SessionId.ShouldBe("cs_live_1");

        var changed = body.ToArray();
        changed[^2] = (byte)'2';
        verifier.TryVerify(changed, header, out _, out var rejection).ShouldBeFalse();
        rejection.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);

        new ConversionWebhookVerifier("another-secret-0123456789abcdefghijklmn", timeProvider: new FakeTimeProvider(Now))
            .TryVerify(body, header, out _, out rejection).ShouldBeFalse();
        rejection.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);

        new ConversionWebhookVerifier(Secret, timeProvider: new FakeTimeProvider(Now.AddMinutes(6)))
            .TryVerify(body, header, out _, out rejection).ShouldBeFalse();
        rejection.ShouldBe(PaymentLinkWebhookRejection.TimestampOutsideTolerance);

        verifier.TryVerify(body, null, out _, out rejection).ShouldBeFalse();
        rejection.ShouldBe(PaymentLinkWebhookRejection.MissingHeader);

        var notAnEvent = Encoding.UTF8.GetBytes("[1,2]");
        verifier.TryVerify(notAnEvent, PaymentLinkWebhookSigner.CreateSignatureHeader(notAnEvent, Secret, Now), out _, out rejection).ShouldBeFalse();
        rejection.ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
    }
}
