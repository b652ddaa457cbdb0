using System.Text;
using PaymentLinks.Tracking.AspNetCore;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// The sample's thank-you page, in plain text for a developer trying the flow: what the redirect carried, what was
/// recorded, and what a conversion tag would send (the email hashed, never shown).
/// </summary>
internal static class ThankYouText
{
    public static IResult Render(PaymentLinkThankYouVisit visit)
    {
        var page = visit.Page;
        var text = new StringBuilder("Thank you for your order.\n\n");
        text.Append("session_id: ").Append(page.SessionId ?? (page.HasMalformedSessionId ? "(malformed)" : "(none)")).Append('\n');
        foreach (var (name, value) in new[]
        {
            ("utm_source", page.Utm.Source), ("utm_medium", page.Utm.Medium), ("utm_campaign", page.Utm.Campaign),
            ("utm_term", page.Utm.Term), ("utm_content", page.Utm.Content),
        })
        {
            text.Append(name).Append(": ").Append(value ?? "(none)").Append('\n');
        }

        foreach (var dropped in page.Url.Dropped)
        {
            text.Append("dropped ").Append(dropped).Append('\n');
        }

        text.Append('\n').Append("visit: ").Append(visit.Outcome switch
        {
            PaymentLinkThankYouOutcome.FirstVisit => "recorded: this visit's campaign is the session's",
            PaymentLinkThankYouOutcome.Revisit => "recorded again: the first visit's campaign stands",
            PaymentLinkThankYouOutcome.NoSessionId => "not recorded: the page has no session_id",
            PaymentLinkThankYouOutcome.MalformedSessionId => "not recorded: the session_id is not a Checkout Session id",
            PaymentLinkThankYouOutcome.UnknownSession => "not recorded: Stripe knows no such session",
            PaymentLinkThankYouOutcome.NotVerified => "not recorded: Stripe could not confirm the session right now",
            _ => "not recorded: the ledger is unavailable right now",
        }).Append('\n');

        if (visit.PixelEventId is { } pixelEventId)
        {
            // Meta and TikTok dedupe the server's event against the browser pixel's when both carry the session id:
            // fbq('track', 'Purchase', {...}, {eventID: '<session id>'});
            // ttq.track('CompletePayment', {...}, {event_id: '<session id>'}).
            text.Append("meta pixel eventID: ").Append(pixelEventId).Append('\n');
            text.Append("tiktok pixel event_id: ").Append(pixelEventId).Append('\n');
        }

        // Only with a Stripe key: the session Stripe confirmed.
        if (visit.Lookup is { } lookup)
        {
            if (lookup.IsConversion && lookup.Conversion is { } conversion)
            {
                var tag = ConversionTag.For(conversion);
                var logger = visit.HttpContext.RequestServices.GetRequiredService<ILogger<PaymentLinkThankYouVisit>>();
                ReceiverLog.Conversion(logger, page.SessionId ?? conversion.SessionId, tag.ValueText, tag.Currency, tag.HashedEmail is null ? "none" : "hashed");
                text.Append("conversion tag: ").Append(Describe(tag)).Append('\n');
            }
            else
            {
                text.Append("conversion tag: not sent (").Append(lookup.Message).Append(")\n");
            }
        }

        return Results.Text(text.ToString(), "text/plain", Encoding.UTF8);
    }

    private static string Describe(ConversionTag tag) =>
        $"value {tag.ValueText}, currency {tag.Currency}, email_sha256 {tag.HashedEmail ?? "(none)"}";
}
