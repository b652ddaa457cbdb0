using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/PaymentLinks.Tracking.Benchmarks -- --filter '*'
// Exits non-zero when a benchmark fails, so that CI's dry run catches a broken benchmark.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
