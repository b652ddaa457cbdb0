using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using PaymentLinks.Tracking.Benchmarks;

// dotnet run -c Release --project tests/PaymentLinks.Tracking.Benchmarks -- --filter '*'
// "profile <scenario>" loops one operation for a sampling profiler instead (Profile/profile.sh).
if (ProfileLoop.IsRequested(args))
{
    return ProfileLoop.Run(args);
}

// Exits non-zero when a benchmark fails, so that CI's dry run catches a broken benchmark. Each job's generated project
// builds in a process of its own, which takes longer than BenchmarkDotNet's two-minute default on a busy machine.
var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
