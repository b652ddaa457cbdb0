using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Attribution;

/// <summary>The models' weights, the split of money by them in minor units, and the models' names.</summary>
public sealed class AttributionModelsTests
{
    private static readonly DateTimeOffset Converted = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);

    // Three clicks over two weeks: 14 days, 7 days and 0 days before the session.
    private static readonly AttributionTouch[] ThreeTouches =
    [
        new(Converted.AddDays(-14), IsDirect: false),
        new(Converted.AddDays(-7), IsDirect: false),
        new(Converted, IsDirect: true),
    ];

    [TestCase(AttributionModel.LastClick, new long[] { 0, 0, 10_000 })]
    [TestCase(AttributionModel.FirstClick, new long[] { 10_000, 0, 0 })]
    [TestCase(AttributionModel.LastNonDirect, new long[] { 0, 10_000, 0 })]
    [TestCase(AttributionModel.Linear, new long[] { 3_333, 3_333, 3_334 })]
    [TestCase(AttributionModel.PositionBased, new long[] { 4_000, 2_000, 4_000 })]
    [TestCase(AttributionModel.TimeDecay, new long[] { 1_429, 2_857, 5_714 })]
    public void Three_touches_over_two_weeks_share_100_00_by_each_model(AttributionModel model, long[] parts) =>
        CreditSplit.Split(10_000, AttributionModels.Weights(model, ThreeTouches, Converted, TimeSpan.FromDays(7))).ShouldBe(parts);

    [Test]
    public void Position_based_gives_one_touch_everything_and_two_touches_half_each()
    {
        CreditSplit.Split(101, AttributionModels.Weights(AttributionModel.PositionBased, ThreeTouches.AsSpan(0, 1), Converted, TimeSpan.FromDays(7))).ShouldBe([101]);
        CreditSplit.Split(101, AttributionModels.Weights(AttributionModel.PositionBased, ThreeTouches.AsSpan(0, 2), Converted, TimeSpan.FromDays(7))).ShouldBe([50, 51]);
    }

    [Test]
    public void Position_based_shares_the_middle_20_percent_among_the_touches_between() =>
        CreditSplit.Split(1_000, AttributionModels.Weights(AttributionModel.PositionBased, [.. ThreeTouches, .. ThreeTouches], Converted, TimeSpan.FromDays(7)))
            .ShouldBe([400, 50, 50, 50, 50, 400]);

    [Test]
    public void Last_non_direct_falls_back_to_the_last_touch_when_every_touch_is_direct() =>
        AttributionModels.Weights(AttributionModel.LastNonDirect, [new(Converted, true), new(Converted, true)], Converted, TimeSpan.FromDays(7))
            .ShouldBe([0, 1]);

    [TestCase(1, new long[] { 1, 1, 1 }, new long[] { 0, 0, 1 })]
    [TestCase(2, new long[] { 1, 1, 1 }, new long[] { 0, 1, 1 })]
    [TestCase(1, new long[] { 2, 1, 2 }, new long[] { 0, 0, 1 })]
    [TestCase(-5, new long[] { 1, 1 }, new long[] { -2, -3 })]
    [TestCase(0, new long[] { 1, 1 }, new long[] { 0, 0 })]
    [TestCase(7, new long[] { 0, 3, 0 }, new long[] { 0, 7, 0 })]
    public void Units_left_over_go_to_the_largest_remainders_then_the_larger_weight_then_the_later_touch(long amount, long[] weights, long[] parts) =>
        CreditSplit.Split(amount, weights).ShouldBe(parts);

    [Test]
    public void The_parts_add_up_to_the_amount_and_each_is_within_one_unit_of_its_exact_share() =>
        Gen.Select(Gen.Long[-1_000_000_000_000, 1_000_000_000_000], Gen.Long[0, 1L << 40].Array[1, 12])
            .Where(c => c.Item2.Any(w => w > 0))
            .Sample(
                (amount, weights) =>
                {
                    var parts = CreditSplit.Split(amount, weights);
                    var total = weights.Sum(w => (decimal)w);
                    return parts.Sum() == amount
                        && parts.Zip(weights).All(p => Math.Abs(p.First - amount * (p.Second / total)) < 1.000001m)
                        && parts.SequenceEqual(CreditSplit.Split(amount, weights));
                },
                iter: PropertyRuns.Iterations);

    [Test]
    public void Every_model_has_a_name_that_reads_back()
    {
        AttributionModelNames.All.ShouldBe(["last-click", "first-click", "last-non-direct", "linear", "position-based", "time-decay"]);
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            AttributionModelNames.Parse(AttributionModelNames.Format(model)).ShouldBe(model);
        }
    }

    [TestCase("Last-Click")]
    [TestCase("lastclick")]
    [TestCase("")]
    [TestCase(null)]
    public void A_name_that_is_not_a_model_is_refused_with_the_names(string? name)
    {
        AttributionModelNames.TryParse(name, out _).ShouldBeFalse();
        if (name is not null)
        {
            Should.Throw<FormatException>(() => AttributionModelNames.Parse(name)).Message.ShouldContain("position-based");
        }
    }
}
