using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/PaymentLinks.Tracking.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
