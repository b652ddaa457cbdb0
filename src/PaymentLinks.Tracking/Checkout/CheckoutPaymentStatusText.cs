namespace PaymentLinks.Tracking;

/// <summary>Maps a Checkout Session's <c>payment_status</c>, as Stripe writes it, to <see cref="CheckoutPaymentStatus"/>.</summary>
internal static class CheckoutPaymentStatusText
{
    /// <summary>The longest <c>payment_status</c> this library knows, in characters.</summary>
    public const int MaxLength = 19;

    /// <summary>Reads Stripe's <c>payment_status</c> text.</summary>
    /// <param name="text">The text, such as <c>paid</c>.</param>
    /// <returns>The status; <see cref="CheckoutPaymentStatus.Unknown"/> for any text this library does not know.</returns>
    public static CheckoutPaymentStatus Parse(ReadOnlySpan<char> text) => text switch
    {
        "paid" => CheckoutPaymentStatus.Paid,
        "unpaid" => CheckoutPaymentStatus.Unpaid,
        "no_payment_required" => CheckoutPaymentStatus.NoPaymentRequired,
        _ => CheckoutPaymentStatus.Unknown,
    };

    /// <summary>Writes a status as Stripe does; <see langword="null"/> for <see cref="CheckoutPaymentStatus.Unknown"/>.</summary>
    public static string? Format(CheckoutPaymentStatus status) => status switch
    {
        CheckoutPaymentStatus.Paid => "paid",
        CheckoutPaymentStatus.Unpaid => "unpaid",
        CheckoutPaymentStatus.NoPaymentRequired => "no_payment_required",
        _ => null,
    };
}
