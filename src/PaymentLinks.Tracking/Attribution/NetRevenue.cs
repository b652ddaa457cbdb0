namespace PaymentLinks.Tracking;

/// <summary>
/// The one definition of revenue, the money kept without its tax:
/// <c>(gross − refunded − lost disputes) × (gross − tax) / gross</c>, in the currency's minor unit, rounded half away
/// from zero. A full refund leaves no tax behind; with nothing paid (<c>gross</c> 0) nothing is left to take tax from, and
/// the money that moved counts whole.
/// </summary>
internal static class NetRevenue
{
    /// <summary>The revenue of <paramref name="gross"/> with its <paramref name="tax"/>, less what was refunded and lost.</summary>
    public static long Of(long gross, long tax, long refunded, long disputed)
    {
        var kept = (Int128)gross - refunded - disputed;
        return gross == 0 ? (long)kept : Divide(kept * (gross - tax), gross);
    }

    /// <summary><paramref name="part"/> of <paramref name="amount"/> as <paramref name="whole"/> holds it, rounded half away from zero.</summary>
    public static long Share(long amount, long part, long whole) => whole == 0 ? 0 : Divide((Int128)amount * part, whole);

    // A quotient rounded half away from zero, exactly, whatever the signs.
    private static long Divide(Int128 numerator, Int128 denominator)
    {
        if (denominator < 0)
        {
            (numerator, denominator) = (-numerator, -denominator);
        }

        var quotient = Int128.Abs(numerator) * 2 + denominator;
        var rounded = quotient / (denominator * 2);
        return (long)(numerator < 0 ? -rounded : rounded);
    }
}
