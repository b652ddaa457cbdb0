using System.Diagnostics.CodeAnalysis;

namespace PaymentLinks.Tracking;

/// <summary>
/// The outcome of <see cref="PaymentLinkWebhookReceiver.ReceiveAsync"/>: whether the event was stored, was a duplicate,
/// was refused (and why) or could not be stored. Build one with the static methods to test your endpoint.
/// </summary>
public sealed class PaymentLinkWebhookReceipt
{
    private PaymentLinkWebhookReceipt(PaymentLinkWebhookOutcome outcome, PaymentLinkEvent? paymentLinkEvent, PaymentLinkWebhookRejection rejection)
    {
        Outcome = outcome;
        Event = paymentLinkEvent;
        Rejection = rejection;
    }

    /// <summary>Gets what was done with the request.</summary>
    public PaymentLinkWebhookOutcome Outcome { get; }

    /// <summary>
    /// Gets whether the event is on disk, now or from an earlier delivery, so that a <c>2xx</c> answer is safe:
    /// <see cref="PaymentLinkWebhookOutcome.Stored"/> or <see cref="PaymentLinkWebhookOutcome.Duplicate"/>.
    /// </summary>
    [MemberNotNullWhen(true, nameof(Event))]
    public bool IsStored => Outcome is PaymentLinkWebhookOutcome.Stored or PaymentLinkWebhookOutcome.Duplicate;

    /// <summary>Gets the verified event; <see langword="null"/> when the request was refused.</summary>
    public PaymentLinkEvent? Event { get; }

    /// <summary>
    /// Gets why the request was refused, or <see cref="PaymentLinkWebhookRejection.None"/> unless
    /// <see cref="Outcome"/> is <see cref="PaymentLinkWebhookOutcome.Refused"/>.
    /// </summary>
    public PaymentLinkWebhookRejection Rejection { get; }

    /// <summary>A receipt for an event stored now.</summary>
    /// <param name="paymentLinkEvent">The event.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paymentLinkEvent"/> is <see langword="null"/>.</exception>
    public static PaymentLinkWebhookReceipt Stored(PaymentLinkEvent paymentLinkEvent) => Verified(PaymentLinkWebhookOutcome.Stored, paymentLinkEvent);

    /// <summary>A receipt for an event stored before.</summary>
    /// <param name="paymentLinkEvent">The event.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paymentLinkEvent"/> is <see langword="null"/>.</exception>
    public static PaymentLinkWebhookReceipt Duplicate(PaymentLinkEvent paymentLinkEvent) => Verified(PaymentLinkWebhookOutcome.Duplicate, paymentLinkEvent);

    /// <summary>A receipt for a verified event the ledger could not store.</summary>
    /// <param name="paymentLinkEvent">The event.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paymentLinkEvent"/> is <see langword="null"/>.</exception>
    public static PaymentLinkWebhookReceipt StoreUnavailable(PaymentLinkEvent paymentLinkEvent) =>
        Verified(PaymentLinkWebhookOutcome.StoreUnavailable, paymentLinkEvent);

    /// <summary>A receipt for a verified event that no ledger was registered to store.</summary>
    /// <param name="paymentLinkEvent">The event.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="paymentLinkEvent"/> is <see langword="null"/>.</exception>
    public static PaymentLinkWebhookReceipt NotStored(PaymentLinkEvent paymentLinkEvent) => Verified(PaymentLinkWebhookOutcome.NotStored, paymentLinkEvent);

    /// <summary>A receipt for a refused request.</summary>
    /// <param name="rejection">Why it was refused.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rejection"/> is <see cref="PaymentLinkWebhookRejection.None"/>.</exception>
    public static PaymentLinkWebhookReceipt Refused(PaymentLinkWebhookRejection rejection)
    {
        if (rejection == PaymentLinkWebhookRejection.None)
        {
            throw new ArgumentOutOfRangeException(nameof(rejection), rejection, "A refused request has a reason.");
        }

        return new(PaymentLinkWebhookOutcome.Refused, null, rejection);
    }

    /// <summary>Returns the outcome, and the event or the reason, without customer data.</summary>
    /// <returns>For example <c>Stored checkout.session.completed evt_123</c>.</returns>
    public override string ToString() => Event is null ? $"{Outcome} {Rejection}" : $"{Outcome} {Event}";

    private static PaymentLinkWebhookReceipt Verified(PaymentLinkWebhookOutcome outcome, PaymentLinkEvent paymentLinkEvent)
    {
        ArgumentNullException.ThrowIfNull(paymentLinkEvent);
        return new(outcome, paymentLinkEvent, PaymentLinkWebhookRejection.None);
    }
}
