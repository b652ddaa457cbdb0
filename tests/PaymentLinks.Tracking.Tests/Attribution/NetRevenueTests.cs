using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Attribution;

/// <summary>The one definition of revenue and of a refund's share of tax and shipping, and how they round.</summary>
public sealed class NetRevenueTests
{
    [TestCase(12_000, 2_000, 0, 0, 10_000)]
    [TestCase(12_000, 2_000, 3_000, 0, 7_500)]
    [TestCase(12_000, 2_000, 12_000, 0, 0)]
    [TestCase(12_000, 2_000, 2_000, 4_000, 5_000)]
    [TestCase(8, 4, 3, 0, 3)]
    [TestCase(8, 4, 7, 0, 1)]
    [TestCase(8, 4, 11, 0, -2)]
    [TestCase(8, 4, 13, 0, -3)]
    [TestCase(0, 0, 500, 100, -600)]
    [TestCase(99_999_999, 99_999_998, 0, 0, 1)]
    public void Revenue_is_gross_less_refunds_and_lost_disputes_times_gross_less_tax_over_gross_rounded_half_away_from_zero(
        long gross, long tax, long refunded, long disputed, long revenue) =>
        NetRevenue.Of(gross, tax, refunded, disputed).ShouldBe(revenue);

    [TestCase(6_250, 2_000, 12_500, 1_000)]
    [TestCase(1, 1, 2, 1)]
    [TestCase(1, 1, 3, 0)]
    [TestCase(5, 0, 0, 0)]
    public void A_share_rounds_half_away_from_zero(long amount, long part, long whole, long share) =>
        NetRevenue.Share(amount, part, whole).ShouldBe(share);
}
