using System.Globalization;

namespace PaymentLinks.Tracking.Tests;

/// <summary>How many cases each property runs.</summary>
internal static class PropertyRuns
{
    /// <summary>Set it to run more cases in a long run, or fewer while working on one property.</summary>
    public const string IterationsVariable = "PAYMENTLINKS_PROPERTY_ITERATIONS";

    public const long DefaultIterations = 10_000;

    /// <summary>Gets the cases per property: <see cref="IterationsVariable"/> when set, otherwise 10,000.</summary>
    public static long Iterations { get; } = ReadIterations();

    private static long ReadIterations()
    {
        var text = Environment.GetEnvironmentVariable(IterationsVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultIterations;
        }

        // A typo must not silently shrink the run to nothing.
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) && iterations > 0
            ? iterations
            : throw new InvalidOperationException($"{IterationsVariable} must be a positive whole number, not '{text}'.");
    }
}
