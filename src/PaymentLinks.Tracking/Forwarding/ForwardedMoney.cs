namespace PaymentLinks.Tracking;

/// <summary>What a forwarded conversion's value is: its amount without the tax and shipping in it.</summary>
internal static class ForwardedMoney
{
    /// <summary>The row's amount less its tax and shipping, in the currency's minor unit.</summary>
    public static long Value(OutboxRow row) => (row.Amount ?? 0) - row.AmountTax - row.AmountShipping;

    /// <summary>
    /// What a refund's transaction is worth after it: the <paramref name="remaining"/> amount less its share of the
    /// transaction's tax and shipping, each rounded half away from zero as a refund's share is; so that nothing remaining
    /// is worth 0 and nothing refunded is worth the purchase's value. <see langword="null"/> where a part is unknown.
    /// </summary>
    public static long? RemainingValue(long? remaining, long? whole, long? tax, long? shipping)
    {
        if (remaining is not { } left || whole is not { } total)
        {
            return null;
        }

        return left - Share(tax ?? 0, left, total) - Share(shipping ?? 0, left, total);
    }

    // The SQL's share, in 128 bits: a part of an amount taken from a whole, rounded half away from zero.
    private static long Share(long part, long amount, long whole) =>
        whole > 0 ? (long)(((Int128)2 * amount * part + whole) / ((Int128)2 * whole)) : 0;
}
