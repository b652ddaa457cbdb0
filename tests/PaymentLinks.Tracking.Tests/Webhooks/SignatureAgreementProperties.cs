using System.Globalization;
using System.Text;
using CsCheck;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;
using static PaymentLinks.Tracking.Tests.Webhooks.StripeNetAgreementTests;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>
/// For any header built from good, wrong and damaged signatures at any timestamp near the tolerance, and any small
/// change to the body, the parser accepts exactly when Stripe.net's EventUtility.ValidateSignature does. The number
/// of cases is set by PAYMENTLINKS_PROPERTY_ITERATIONS (10,000 by default).
/// </summary>
public class SignatureAgreementProperties
{
    private const long Tolerance = 300;

    private static readonly string Body = Encoding.UTF8.GetString(CompletedEventBody());

    private enum SignatureKind { Good, OtherSecret, OneHexDigitChanged, UpperCase, Truncated, OtherTimestamp }

    private enum BodyChange { None, TrailingNewline, CrLf, OneCharacterChanged }

    private static readonly Gen<long> Offsets = Gen.OneOf(
        Gen.Long[-Tolerance - 2, -Tolerance + 2], Gen.Long[Tolerance - 2, Tolerance + 2], Gen.Long[-2 * Tolerance, 2 * Tolerance]);

    private static readonly Gen<(long Offset, SignatureKind[] Signatures, bool WithV0, BodyChange Change)> Requests =
        Gen.Select(
            Offsets,
            Gen.Enum<SignatureKind>().Array[0, 3],
            Gen.Bool,
            Gen.Enum<BodyChange>());

    [Test]
    public void The_parser_accepts_a_signature_exactly_when_Stripe_net_does()
    {
        var parser = Parser(); // its tolerance is the default, 5 minutes: the same 300 seconds

        Requests.Sample(
            request =>
            {
                var timestamp = NowSeconds + request.Offset;
                var signedBytes = Encoding.UTF8.GetBytes(Body);
                var body = Change(Body, request.Change);
                var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
                foreach (var kind in request.Signatures)
                {
                    header.Append(",v1=").Append(Sign(signedBytes, timestamp, kind));
                }

                if (request.WithV0)
                {
                    header.Append(",v0=").Append(Signature(signedBytes, timestamp));
                }

                var stripeNetAccepts = StripeNetAccepts(body, header.ToString(), Tolerance);
                var accepted = parser.TryParse(body, header.ToString(), out _, out var reason);

                accepted.ShouldBe(stripeNetAccepts, $"header {header}, body change {request.Change}, parser's reason {reason}");
            },
            iter: PropertyRuns.Iterations);
    }

    private static string Sign(byte[] body, long timestamp, SignatureKind kind)
    {
        var good = Signature(body, timestamp);
        return kind switch
        {
            SignatureKind.Good => good,
            SignatureKind.OtherSecret => Signature(body, timestamp, OtherSecret),
            SignatureKind.OneHexDigitChanged => (good[0] == '0' ? "1" : "0") + good[1..],
            SignatureKind.UpperCase => good.ToUpperInvariant(),
            SignatureKind.Truncated => good[..^2],
            _ => Signature(body, timestamp + 1),
        };
    }

    private static string Change(string body, BodyChange change) => change switch
    {
        BodyChange.TrailingNewline => body + "\n",
        BodyChange.CrLf => body.ReplaceLineEndings("\r\n"),
        BodyChange.OneCharacterChanged => body.Replace(ClientReferenceId, "X" + ClientReferenceId[1..], StringComparison.Ordinal),
        _ => body,
    };
}
