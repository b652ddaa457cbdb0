namespace PaymentLinks.Tracking;

/// <summary>What a forwarded conversion's value is: its amount without the tax and shipping in it.</summary>
internal static class ForwardedMoney
{
    /// <summary>The row's amount less its tax and shipping, in the currency's minor unit.</summary>
    public static long Value(OutboxRow row) => (row.Amount ?? 0) - row.AmountTax - row.AmountShipping;
}
