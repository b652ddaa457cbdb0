namespace PaymentLinks.Tracking;

/// <summary>One touch of a paid session, as the models weigh it: when it happened and whether it was direct.</summary>
/// <param name="At">When the touch happened (the click's time).</param>
/// <param name="IsDirect">Whether the touch carries no UTM code and no ad click id.</param>
internal readonly record struct AttributionTouch(DateTimeOffset At, bool IsDirect);

/// <summary>
/// The weights each <see cref="AttributionModel"/> gives a session's touches, oldest first: whole numbers, so that
/// <see cref="CreditSplit"/> shares money exactly. Pure: the same touches always give the same weights.
/// </summary>
internal static class AttributionModels
{
    /// <summary>The scale of a time-decay weight: a touch at the session's time weighs 2^40.</summary>
    private const double TimeDecayScale = 1L << 40;

    /// <summary>
    /// The weights of <paramref name="touches"/> (oldest first) under <paramref name="model"/>; at least one is positive
    /// when there is a touch.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="touches">The session's touches, oldest first.</param>
    /// <param name="convertedAt">The session's time, which time decay measures a touch's age from.</param>
    /// <param name="halfLife">Time decay's half-life; positive.</param>
    public static long[] Weights(AttributionModel model, ReadOnlySpan<AttributionTouch> touches, DateTimeOffset convertedAt, TimeSpan halfLife)
    {
        var weights = new long[touches.Length];
        if (touches.Length == 0)
        {
            return weights;
        }

        var last = touches.Length - 1;
        switch (model)
        {
            case AttributionModel.LastClick:
                weights[last] = 1;
                break;
            case AttributionModel.FirstClick:
                weights[0] = 1;
                break;
            case AttributionModel.LastNonDirect:
                var chosen = last;
                for (var i = last; i >= 0; i--)
                {
                    if (!touches[i].IsDirect)
                    {
                        chosen = i;
                        break;
                    }
                }

                weights[chosen] = 1;
                break;
            case AttributionModel.Linear:
                weights.AsSpan().Fill(1);
                break;
            case AttributionModel.PositionBased when touches.Length <= 2:
                weights.AsSpan().Fill(1);
                break;
            case AttributionModel.PositionBased:
                // 40 : 20 : 40 with the middle 20 shared by n − 2 touches, in whole numbers: 40(n − 2) at each end, 20 each between.
                weights.AsSpan().Fill(20);
                weights[0] = weights[last] = 40L * (touches.Length - 2);
                break;
            case AttributionModel.TimeDecay:
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(halfLife, TimeSpan.Zero);
                for (var i = 0; i < touches.Length; i++)
                {
                    var age = Math.Max(0, (convertedAt - touches[i].At).Ticks);
                    weights[i] = Math.Max(1, (long)Math.Round(TimeDecayScale * Math.Pow(2, -(double)age / halfLife.Ticks)));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(model), model, "Not an attribution model.");
        }

        return weights;
    }
}

/// <summary>
/// Shares an amount in minor units among touches by their weights, so that the parts add up to the amount exactly:
/// each part is its exact share rounded down, and the units left over go one each to the largest remainders (the
/// largest remainder method). Ties go to the larger weight, then to the later touch. Pure and deterministic.
/// </summary>
internal static class CreditSplit
{
    /// <summary>The parts of <paramref name="amount"/> by <paramref name="weights"/> (non-negative, not all zero).</summary>
    public static long[] Split(long amount, ReadOnlySpan<long> weights)
    {
        var parts = new long[weights.Length];
        Split(amount, weights, parts);
        return parts;
    }

    /// <summary>Writes the parts of <paramref name="amount"/> by <paramref name="weights"/> into <paramref name="parts"/>.</summary>
    /// <exception cref="ArgumentException">No weight is positive, one is negative, or the spans' lengths differ.</exception>
    public static void Split(long amount, ReadOnlySpan<long> weights, Span<long> parts)
    {
        if (parts.Length != weights.Length)
        {
            throw new ArgumentException("There must be one part for each weight.", nameof(parts));
        }

        Int128 total = 0;
        foreach (var weight in weights)
        {
            if (weight < 0)
            {
                throw new ArgumentException("A weight cannot be negative.", nameof(weights));
            }

            total += weight;
        }

        if (total == 0)
        {
            throw new ArgumentException("At least one weight must be positive.", nameof(weights));
        }

        // A negative amount is shared as its size is, so that a refund's parts mirror its payment's.
        var size = Int128.Abs(amount);
        var sign = amount < 0 ? -1 : 1;
        Span<Int128> remainders = weights.Length <= 64 ? stackalloc Int128[weights.Length] : new Int128[weights.Length];
        Int128 given = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = size * weights[i];
            var part = exact / total;
            remainders[i] = exact % total;
            parts[i] = (long)part;
            given += part;
        }

        for (var left = size - given; left > 0; left--)
        {
            var best = -1;
            for (var i = 0; i < weights.Length; i++)
            {
                if (weights[i] == 0 || remainders[i] < 0)
                {
                    continue;
                }

                if (best < 0 || remainders[i] > remainders[best] || (remainders[i] == remainders[best] && weights[i] >= weights[best]))
                {
                    best = i;
                }
            }

            parts[best]++;
            remainders[best] = -1; // a touch takes at most one unit left over
        }

        if (sign < 0)
        {
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = -parts[i];
            }
        }
    }
}
