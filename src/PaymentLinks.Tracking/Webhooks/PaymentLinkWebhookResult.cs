using System.Diagnostics.CodeAnalysis;

namespace PaymentLinks.Tracking;

/// <summary>
/// The outcome of <see cref="PaymentLinkWebhookParser.TryParseAsync"/>: either an event or the reason the
/// request was refused.
/// </summary>
public sealed class PaymentLinkWebhookResult
{
    // One shared instance per reason: a refusal allocates nothing.
    private static readonly PaymentLinkWebhookResult[] Rejections = CreateRejections();

    private PaymentLinkWebhookResult(PaymentLinkEvent? paymentLinkEvent, PaymentLinkWebhookRejection rejection)
    {
        Event = paymentLinkEvent;
        Rejection = rejection;
    }

    /// <summary>Gets whether the request was accepted, in which case <see cref="Event"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Event))]
    public bool Succeeded => Event is not null;

    /// <summary>Gets the verified event, or <see langword="null"/> when the request was refused.</summary>
    public PaymentLinkEvent? Event { get; }

    /// <summary>
    /// Gets why the request was refused, or <see cref="PaymentLinkWebhookRejection.None"/> when it was accepted.
    /// </summary>
    public PaymentLinkWebhookRejection Rejection { get; }

    internal static PaymentLinkWebhookResult Accepted(PaymentLinkEvent paymentLinkEvent) =>
        new(paymentLinkEvent, PaymentLinkWebhookRejection.None);

    internal static PaymentLinkWebhookResult Rejected(PaymentLinkWebhookRejection rejection) => Rejections[(int)rejection];

    private static PaymentLinkWebhookResult[] CreateRejections()
    {
        var values = Enum.GetValues<PaymentLinkWebhookRejection>();
        var results = new PaymentLinkWebhookResult[values.Length];
        foreach (var value in values)
        {
            results[(int)value] = new PaymentLinkWebhookResult(null, value);
        }

        return results;
    }
}
