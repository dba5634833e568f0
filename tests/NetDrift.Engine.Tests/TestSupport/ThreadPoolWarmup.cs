using System.Runtime.CompilerServices;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// The test host blocks thread-pool threads of its own (measured: 0.5–0.9 s once, early in a run,
/// with almost no CPU used). On 2 cores the pool starts with 2 threads and adds one only every
/// half second when starved, so the loopback servers and the proxy under test stall with it, and
/// timing tests (idle timeouts, echo cadences) fail for no fault of the engine. A standalone
/// process running the same proxy shows no such stall.
/// </summary>
internal static class ThreadPoolWarmup
{
    [ModuleInitializer]
    internal static void RaiseMinimumThreads()
    {
        var threads = Math.Max(16, Environment.ProcessorCount * 4);
        ThreadPool.SetMinThreads(threads, threads);
    }
}
