using System.Diagnostics;

namespace PaymentLinks.Tracking.Benchmarks;

/// <summary>
/// Runs one benchmark's operation in a loop for a few seconds, so that a sampling profiler (perf) sees only it.
/// BenchmarkDotNet's own runs interleave the baseline and the library, which a profile would mix up.
/// </summary>
internal static class ProfileLoop
{
    private static readonly Dictionary<string, Func<Action>> Scenarios = new(StringComparer.Ordinal)
    {
        ["build-link"] = () => Prepare(new BuildTrackedLinkBenchmarks(), b => () => b.PaymentLinkUrlWith()),
        ["build-link-floor"] = () => Prepare(new BuildTrackedLinkBenchmarks(), b => () => b.ConcatenateValidParts()),
        ["validate-invalid"] = () => PrepareValidate("invalid (space at 6)", b => () => b.ValidationCore()),
        ["validate-invalid-regex"] = () => PrepareValidate("invalid (space at 6)", b => () => b.CompiledRegex()),
        ["validate-invalid-verdict"] = () => PrepareValidate("invalid (space at 6)", b => () => b.ValidationCoreVerdict()),
        ["validate-valid"] = () => PrepareValidate("valid, 10 chars", b => () => b.ValidationCore()),
        ["webhook-bytes"] = () => PrepareWebhook(b => () => b.ParserBytes()),
        ["webhook-string"] = () => PrepareWebhook(b => () => b.ParserString()),
        ["webhook-floor"] = () => PrepareWebhook(b => () => b.HmacFloor()),
    };

    public static bool IsRequested(string[] args) => args is ["profile", ..];

    public static int Run(string[] args)
    {
        if (args.Length < 2 || !Scenarios.TryGetValue(args[1], out var scenario))
        {
            Console.Error.WriteLine($"usage: profile <{string.Join('|', Scenarios.Keys)}> [seconds]");
            return 2;
        }

        var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var operation = scenario();

        // Warm up until tiered compilation has settled on optimised code, then loop for the time asked.
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(2))
        {
            operation();
        }

        long count = 0;
        var timer = Stopwatch.StartNew();
        while (timer.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++)
            {
                operation();
            }

            count += 1000;
        }

        Console.WriteLine($"{args[1]}: {count} operations, {timer.Elapsed.TotalNanoseconds / count:F1} ns each");
        return 0;
    }

    private static Action Prepare<T>(T benchmarks, Func<T, Action> operation) => operation(benchmarks);

    private static Action PrepareValidate(string @case, Func<ValidateValueBenchmarks, Action> operation)
    {
        var benchmarks = new ValidateValueBenchmarks { Case = @case };
        benchmarks.Setup();
        return operation(benchmarks);
    }

    private static Action PrepareWebhook(Func<ParseWebhookBenchmarks, Action> operation)
    {
        var benchmarks = new ParseWebhookBenchmarks();
        benchmarks.Setup();
        return operation(benchmarks);
    }
}
