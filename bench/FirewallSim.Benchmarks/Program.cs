using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/FirewallSim.Benchmarks -- --filter '*'
// (or --list flat, or --filter '*CaptureReader*'); add --job short for a quick look.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
