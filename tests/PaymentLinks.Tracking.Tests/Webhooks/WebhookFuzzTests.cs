using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CsCheck;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.Webhooks.SignedWebhooks;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>
/// Whatever arrives, the parser returns an event or one of its documented rejections: never another
/// exception. The number of cases is set by PAYMENTLINKS_PROPERTY_ITERATIONS (10,000 by default).
/// </summary>
public class WebhookFuzzTests
{
    private static readonly PaymentLinkWebhookRejection[] Documented =
    [
        PaymentLinkWebhookRejection.MissingHeader,
        PaymentLinkWebhookRejection.MalformedHeader,
        PaymentLinkWebhookRejection.NoMatchingSignature,
        PaymentLinkWebhookRejection.TimestampOutsideTolerance,
        PaymentLinkWebhookRejection.PayloadTooLarge,
        PaymentLinkWebhookRejection.MalformedJson,
        PaymentLinkWebhookRejection.NotAnEvent,
    ];

    private static readonly byte[] SignedEvent = CompletedEventBody();

    // Values that break readers: huge and fractional numbers, wrong types, deep nesting, bad escapes, repeated keys.
    private static readonly string[] HostileValues =
    [
        "1e400", "-1e400", "99999999999999999999999999", "-0", "0.5", "1E2", "\"x\"", "\"\"", "[]", "{}", "null", "true",
        "\"\\ud800\"", "\"\\u0000\"", "\"\\/\"", "\"caf\u00e9\"", new string('[', 70) + new string(']', 70),
        new string('[', 40) + new string(']', 40), "{\"a\":1,\"a\":2}", "\"a\", \"id\": \"evt_dup\"", "\"a\", \"type\": \"x\"",
    ];

    private static readonly string[] FieldsToReplace =
    [
        "\"id\": ", "\"object\": ", "\"type\": ", "\"created\": ", "\"livemode\": ", "\"api_version\": ", "\"data\": ",
        "\"amount_total\": ", "\"client_reference_id\": ", "\"payment_link\": ", "\"payment_status\": ", "\"status\": ",
        "\"mode\": ", "\"metadata\": ", "\"customer_details\": ", "\"email\": ", "\"currency\": ",
    ];

    private static readonly byte[] JsonPunctuation = "{}[],:\"\\ \n0123456789-+.eEtrufalsn/u"u8.ToArray();

    private static readonly JsonDocumentOptions StrictJson = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    private static readonly Gen<string> HeaderItem = Gen.OneOf(
        Gen.Long.Select(t => $"t={t}"),
        Gen.Long[NowSeconds - 600, NowSeconds + 600].Select(t => $"t={t}"),
        Gen.Byte.Array[32].Select(bytes => $"v1={Convert.ToHexStringLower(bytes)}"),
        Gen.Byte.Array[0, 40].Select(bytes => $"v0={Convert.ToHexString(bytes)}"),
        Gen.String.Select(text => $"v1={text}"),
        Gen.String);

    private static readonly Gen<string> RandomHeader = Gen.OneOf(
        HeaderItem.Array[0, 6].Select(items => string.Join(',', items)),
        Gen.String,
        Gen.Const(""));

    private static readonly Gen<byte[]> Mutation = Gen.OneOf(
        // Flip one byte.
        Gen.Select(Gen.Int[0, SignedEvent.Length - 1], Gen.Byte, (at, value) =>
        {
            var body = (byte[])SignedEvent.Clone();
            body[at] = value;
            return body;
        }),
        // Truncate.
        Gen.Int[0, SignedEvent.Length].Select(length => SignedEvent[..length]),
        // Cut a range out.
        Gen.Select(Gen.Int[0, SignedEvent.Length - 1], Gen.Int[1, 200], (at, count) =>
            (byte[])[.. SignedEvent[..at], .. SignedEvent[Math.Min(at + count, SignedEvent.Length)..]]),
        // Insert random bytes.
        Gen.Select(Gen.Int[0, SignedEvent.Length], Gen.Byte.Array[1, 20], (at, bytes) =>
            (byte[])[.. SignedEvent[..at], .. bytes, .. SignedEvent[at..]]),
        // Insert, replace or remove one JSON punctuation character: nearly valid JSON, the hardest to judge.
        Gen.Select(Gen.Int[0, SignedEvent.Length - 1], Gen.OneOf(JsonPunctuation), Gen.Int[0, 2], (at, punctuation, edit) => edit switch
        {
            0 => (byte[])[.. SignedEvent[..at], punctuation, .. SignedEvent[at..]],
            1 => (byte[])[.. SignedEvent[..at], punctuation, .. SignedEvent[(at + 1)..]],
            _ => (byte[])[.. SignedEvent[..at], .. SignedEvent[(at + 1)..]],
        }),
        // Replace a field's value with a hostile one.
        Gen.Select(Gen.OneOf(FieldsToReplace), Gen.OneOf(HostileValues), ReplaceValue));

    [Test]
    public void Random_bytes_under_random_headers_are_only_ever_rejected_as_documented()
    {
        var parser = Parser(maxPayloadBytes: 4096);

        Gen.Select(Gen.Byte.Array[0, 5000], RandomHeader).Sample(
            (body, header) => ShouldEndInEventOrDocumentedRejection(parser, body, header),
            iter: PropertyRuns.Iterations);
    }

    [Test]
    public void Mutated_events_under_their_original_signature_are_only_ever_rejected_as_documented()
    {
        var parser = Parser();
        var header = Header(SignedEvent);

        Mutation.Sample(
            body =>
            {
                var reason = ShouldEndInEventOrDocumentedRejection(parser, body, header);
                if (!body.AsSpan().SequenceEqual(SignedEvent))
                {
                    reason.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
                }
            },
            iter: PropertyRuns.Iterations);
    }

    [Test]
    public void Mutated_events_signed_anew_fail_only_on_their_JSON()
    {
        var parser = Parser();
        var outcomes = new int[Documented.Length + 1];

        Mutation.Sample(
            body =>
            {
                var reason = ShouldEndInEventOrDocumentedRejection(parser, body, Header(body));
                reason.ShouldBeOneOf(
                    PaymentLinkWebhookRejection.None, PaymentLinkWebhookRejection.MalformedJson, PaymentLinkWebhookRejection.NotAnEvent);
                Interlocked.Increment(ref outcomes[(int)reason]);
            },
            iter: PropertyRuns.Iterations);

        // The mutations reach every outcome of the JSON reader, not only its first check.
        if (PropertyRuns.Iterations >= 1_000)
        {
            outcomes[(int)PaymentLinkWebhookRejection.None].ShouldBeGreaterThan(0);
            outcomes[(int)PaymentLinkWebhookRejection.MalformedJson].ShouldBeGreaterThan(0);
            outcomes[(int)PaymentLinkWebhookRejection.NotAnEvent].ShouldBeGreaterThan(0);
        }
    }

    [Test]
    public void Mutated_events_signed_anew_are_malformed_JSON_exactly_when_System_Text_Json_refuses_them()
    {
        var parser = Parser();

        Mutation.Sample(
            body =>
            {
                parser.TryParse(body, Header(body), out _, out var reason);
                var lenient = IsAcceptedBySystemTextJson(body, new JsonDocumentOptions { MaxDepth = 64 });
                var strict = IsAcceptedBySystemTextJson(body, StrictJson);

                if (!lenient)
                {
                    reason.ShouldBe(PaymentLinkWebhookRejection.MalformedJson);
                }
                else if (reason == PaymentLinkWebhookRejection.MalformedJson)
                {
                    // Well-formed, yet refused: a repeated property, or an escaped lone surrogate in a field the parser reads.
                    (strict && !Encoding.UTF8.GetString(body).Contains("\\ud", StringComparison.OrdinalIgnoreCase)).ShouldBeFalse();
                }
            },
            iter: PropertyRuns.Iterations);
    }

    private static bool IsAcceptedBySystemTextJson(byte[] body, JsonDocumentOptions options)
    {
        if (!Utf8.IsValid(body))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body, options);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static PaymentLinkWebhookRejection ShouldEndInEventOrDocumentedRejection(PaymentLinkWebhookParser parser, byte[] body, string? header)
    {
        var accepted = parser.TryParse(body, header, out var paymentLinkEvent, out var reason);
        if (accepted)
        {
            paymentLinkEvent.ShouldNotBeNull();
            reason.ShouldBe(PaymentLinkWebhookRejection.None);
            if (paymentLinkEvent.Kind != PaymentLinkEventKind.Ignored)
            {
                paymentLinkEvent.Checkout.ShouldNotBeNull();
            }
        }
        else
        {
            paymentLinkEvent.ShouldBeNull();
            Documented.ShouldContain(reason);
        }

        try
        {
            parser.Parse(body, header).ShouldBe(paymentLinkEvent);
        }
        catch (PaymentLinkWebhookException exception)
        {
            exception.Reason.ShouldBe(reason);
        }

        parser.TryParseAsync(new MemoryStream(body), header).GetAwaiter().GetResult().Rejection.ShouldBe(reason);

        if (Utf8.IsValid(body))
        {
            parser.TryParse(Encoding.UTF8.GetString(body), header, out _, out var textReason);
            textReason.ShouldBe(reason);
        }

        return reason;
    }

    private static byte[] ReplaceValue(string field, string value)
    {
        var json = Encoding.UTF8.GetString(SignedEvent);
        var at = json.IndexOf(field, StringComparison.Ordinal) + field.Length;
        var end = at;
        var depth = 0;
        var inString = false;

        // Find where the field's value ends: the next ',' or '}' at its own depth, outside strings.
        for (; end < json.Length; end++)
        {
            var c = json[end];
            if (inString)
            {
                if (c == '\\')
                {
                    end++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                if (depth-- == 0)
                {
                    break;
                }
            }
            else if (c == ',' && depth == 0)
            {
                break;
            }
        }

        return Encoding.UTF8.GetBytes(string.Concat(json.AsSpan(0, at), value, json.AsSpan(end)));
    }
}
