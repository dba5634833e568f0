using BenchmarkDotNet.Attributes;
using NetDrift.Engine.Stats;

namespace NetDrift.Benchmarks;

/// <summary>
/// What the proxy pays per attempt to keep its statistics: every call an attempt makes on its
/// upstream's counters, from dial to close. The goal is well under a microsecond, and no
/// allocation on success (a failure keeps its last error, which may allocate).
/// </summary>
[MemoryDiagnoser]
public class StatsRecordingBenchmarks
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(42.5);
    private UpstreamCounters _counters = null!;

    [GlobalSetup]
    public void Setup() => _counters = new UpstreamCounters(TimeProvider.System);

    /// <summary>A tunnel: attempt, dial, 2xx answer, bytes both ways, close.</summary>
    [Benchmark(Baseline = true)]
    public long RecordSuccessfulAttempt()
    {
        var counters = _counters;
        counters.AttemptStarted();
        var active = counters.ConnectionOpened();
        counters.AttemptSucceeded(Latency);
        counters.AddSent(517);
        counters.AddReceived(4096);
        counters.ConnectionClosed();
        return active;
    }

    /// <summary>An attempt the upstream reset before answering.</summary>
    [Benchmark]
    public long RecordFailedAttempt()
    {
        var counters = _counters;
        counters.AttemptStarted();
        var active = counters.ConnectionOpened();
        counters.AttemptFailed(FailureCause.Reset, "closed without answering");
        counters.ConnectionClosed();
        return active;
    }
}
