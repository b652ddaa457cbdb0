using System.Diagnostics.CodeAnalysis;

namespace PaymentLinks.Tracking;

/// <summary>
/// The outcome of <see cref="PaymentLinkWebhookParser.TryParseAsync"/>: either an event or the reason the
/// request was refused.
/// </summary>
/// <remarks>
/// Build one with <see cref="ForEvent"/> or <see cref="ForRejection"/>, for instance to test code that handles the
/// parser's results.
/// </remarks>
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
    [MemberNotNullWhen(false, nameof(RejectionMessage))]
    public bool Succeeded => Event is not null;

    /// <summary>Gets the verified event, or <see langword="null"/> when the request was refused.</summary>
    public PaymentLinkEvent? Event { get; }

    /// <summary>
    /// Gets why the request was refused, or <see cref="PaymentLinkWebhookRejection.None"/> when it was accepted.
    /// </summary>
    public PaymentLinkWebhookRejection Rejection { get; }

    /// <summary>
    /// Gets why the request was refused, as one or two English sentences (the message a
    /// <see cref="PaymentLinkWebhookException"/> for <see cref="Rejection"/> carries), or <see langword="null"/> when
    /// it was accepted. It never contains a signing secret, a signature or the payload, so it is safe to log or to
    /// answer the sender with.
    /// </summary>
    public string? RejectionMessage => Succeeded ? null : PaymentLinkWebhookException.Describe(Rejection);

    /// <summary>Creates the result of an accepted request.</summary>
    /// <param name="paymentLinkEvent">The event the request carried.</param>
    /// <returns>A result whose <see cref="Succeeded"/> is <see langword="true"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paymentLinkEvent"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// var checkout = PaymentLinkCheckout.Create("cs_test_1", paymentStatus: CheckoutPaymentStatus.Paid);
    /// var result = PaymentLinkWebhookResult.ForEvent(
    ///     PaymentLinkEvent.Create("evt_1", "checkout.session.completed", DateTimeOffset.UtcNow, checkout: checkout));
    /// </code>
    /// </example>
    public static PaymentLinkWebhookResult ForEvent(PaymentLinkEvent paymentLinkEvent)
    {
        ArgumentNullException.ThrowIfNull(paymentLinkEvent);
        return new(paymentLinkEvent, PaymentLinkWebhookRejection.None);
    }

    /// <summary>Creates the result of a refused request.</summary>
    /// <param name="rejection">Why the request was refused.</param>
    /// <returns>A result whose <see cref="Succeeded"/> is <see langword="false"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="rejection"/> is <see cref="PaymentLinkWebhookRejection.None"/> or not a defined reason.
    /// </exception>
    public static PaymentLinkWebhookResult ForRejection(PaymentLinkWebhookRejection rejection) =>
        rejection != PaymentLinkWebhookRejection.None && (uint)rejection < (uint)Rejections.Length
            ? Rejections[(int)rejection]
            : throw new ArgumentOutOfRangeException(nameof(rejection), rejection, "Not a reason to refuse a webhook request.");

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
