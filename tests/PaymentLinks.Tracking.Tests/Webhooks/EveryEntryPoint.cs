using NUnit.Framework;
using Shouldly;
using System.Text;
using System.Text.Unicode;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>Runs one request through every entry point of the parser and checks that they agree.</summary>
internal static class EveryEntryPoint
{
    public static PaymentLinkWebhookRejection Rejection(PaymentLinkWebhookParser parser, byte[] body, string? header)
    {
        var accepted = parser.TryParse(body, header, out var fromBytes, out var reason);
        (fromBytes is not null).ShouldBe(accepted);
        (reason == PaymentLinkWebhookRejection.None).ShouldBe(accepted);

        var fromSeekable = parser.TryParseAsync(new MemoryStream(body), header).GetAwaiter().GetResult();
        fromSeekable.Rejection.ShouldBe(reason);
        fromSeekable.Event.ShouldBe(fromBytes);

        var fromStream = parser.TryParseAsync(new UnseekableStream(new MemoryStream(body)), header).GetAwaiter().GetResult();
        fromStream.Rejection.ShouldBe(reason);
        fromStream.Event.ShouldBe(fromBytes);

        if (Utf8.IsValid(body))
        {
            parser.TryParse(Encoding.UTF8.GetString(body), header, out var fromText, out var textReason).ShouldBe(accepted);
            textReason.ShouldBe(reason);
            fromText.ShouldBe(fromBytes);
        }

        if (!accepted)
        {
            Should.Throw<PaymentLinkWebhookException>(() => parser.Parse(body, header)).Reason.ShouldBe(reason);
            Should.Throw<PaymentLinkWebhookException>(() => parser.ParseAsync(new MemoryStream(body), header)).Reason.ShouldBe(reason);
        }

        return reason;
    }

    public static PaymentLinkEvent Event(PaymentLinkWebhookParser parser, byte[] body, string? header)
    {
        Rejection(parser, body, header).ShouldBe(PaymentLinkWebhookRejection.None);
        return parser.Parse(body, header);
    }
}
