using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.Benchmarks;

/// <summary>
/// Checks one UTM code: the validation core, as a yes or no and as a full verdict, against the compiled Regex a user
/// would write.
/// </summary>
[MemoryDiagnoser]
public class ValidateValueBenchmarks
{
    private static readonly Regex CompiledUtmCode = new("^[A-Za-z0-9_-]{1,150}$", RegexOptions.Compiled);

    private static readonly Dictionary<string, string> Values = new()
    {
        ["valid, 10 chars"] = "newsletter",
        ["valid, 150 chars"] = string.Concat(Enumerable.Repeat("spring_sale-2026_", 9)).PadRight(150, 'x')[..150],
        ["invalid (space at 6)"] = "spring sale 2026",
    };

    private string _value = "";

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    public static IEnumerable<string> Cases => Values.Keys;

    [GlobalSetup]
    public void Setup() => _value = Values[Case];

    [Benchmark(Baseline = true, Description = "compiled Regex")]
    public bool CompiledRegex() => CompiledUtmCode.IsMatch(_value);

    // The same question the Regex answers: keep or drop.
    [Benchmark(Description = "PaymentLinkRules.IsValid")]
    public bool ValidationCore() => PaymentLinkRules.IsValid(PaymentLinkParameter.UtmSource, _value);

    // The full verdict: also why, and where the first invalid character is.
    [Benchmark(Description = "PaymentLinkRules.Check")]
    public bool ValidationCoreVerdict() => PaymentLinkRules.Check(PaymentLinkParameter.UtmSource, _value).IsValid;
}
