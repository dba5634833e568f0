using BenchmarkDotNet.Running;

namespace NetDrift.Benchmarks;

public static class Program
{
    // `dotnet run -c Release --project perf/NetDrift.Benchmarks -- --filter '*' --job short`
    // (or ./build.ps1 Bench, which also keeps the report in perf/results/).
    public static int Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
