using System.Text;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>The parser's verdict on a signature agrees with Stripe.net's EventUtility.ValidateSignature.</summary>
public class StripeNetAgreementTests
{
    private const long Tolerance = 300;

    public static IEnumerable<TestCaseData> Requests()
    {
        var body = Encoding.UTF8.GetString(CompletedEventBody());
        var bytes = Encoding.UTF8.GetBytes(body);
        var now = NowSeconds;
        var good = Signature(bytes, now);
        var other = Signature(bytes, now, OtherSecret);
        var tampered = body.Replace(ClientReferenceId, "order_0000-b", StringComparison.Ordinal);

        yield return Case("good", body, $"t={now},v1={good}", true);
        yield return Case("tampered body", tampered, $"t={now},v1={good}", false);
        yield return Case("wrong secret", body, $"t={now},v1={other}", false);
        yield return Case("expired by one second", body, $"t={now - Tolerance - 1},v1={Signature(bytes, now - Tolerance - 1)}", false);
        yield return Case("at the tolerance, past", body, $"t={now - Tolerance},v1={Signature(bytes, now - Tolerance)}", true);
        yield return Case("at the tolerance, future", body, $"t={now + Tolerance},v1={Signature(bytes, now + Tolerance)}", true);
        yield return Case("future by one second", body, $"t={now + Tolerance + 1},v1={Signature(bytes, now + Tolerance + 1)}", false);
        yield return Case("multi v1, good first", body, $"t={now},v1={good},v1={other}", true);
        yield return Case("multi v1, good last", body, $"t={now},v1={other},v1={other},v1={good}", true);
        yield return Case("multi v1, none good", body, $"t={now},v1={other},v1={other}", false);
        yield return Case("v0 only", body, $"t={now},v0={good}", false);
        yield return Case("v1 and v0", body, $"t={now},v1={good},v0={other}", true);
        yield return Case("upper-case hex", body, $"t={now},v1={good.ToUpperInvariant()}", false);
        yield return Case("CRLF body signed as is", body.ReplaceLineEndings("\r\n"), $"t={now},v1={Signature(Encoding.UTF8.GetBytes(body.ReplaceLineEndings("\r\n")), now)}", true);
        yield return Case("CRLF changed to LF", body.ReplaceLineEndings("\n"), $"t={now},v1={Signature(Encoding.UTF8.GetBytes(body.ReplaceLineEndings("\r\n")), now)}", false);
        yield return Case("trailing newline added", body + "\n", $"t={now},v1={good}", false);
    }

    [TestCaseSource(nameof(Requests))]
    public void Agrees_with_Stripe_net_on_whether_a_signature_is_valid(string body, string header, bool valid)
    {
        var stripeNetAccepts = StripeNetAccepts(body, header);
        stripeNetAccepts.ShouldBe(valid, "the case's expectation is Stripe.net's verdict");

        var parser = Parser();
        var reason = EveryEntryPoint.Rejection(parser, Encoding.UTF8.GetBytes(body), header);

        (reason == PaymentLinkWebhookRejection.None).ShouldBe(stripeNetAccepts);
        if (!valid)
        {
            reason.ShouldBeOneOf(PaymentLinkWebhookRejection.NoMatchingSignature, PaymentLinkWebhookRejection.TimestampOutsideTolerance);
        }
    }

    /// <summary>Stripe.net's own verdict on a signature, at <see cref="SignedWebhooks.Now"/>.</summary>
    internal static bool StripeNetAccepts(string body, string header, long tolerance = Tolerance)
    {
        try
        {
            Stripe.EventUtility.ValidateSignature(body, header, Secret, tolerance, NowSeconds);
            return true;
        }
        catch (Stripe.StripeException)
        {
            return false;
        }
    }

    private static TestCaseData Case(string name, string body, string header, bool valid) =>
        new TestCaseData(body, header, valid).SetArgDisplayNames(name);
}
