namespace NetDrift.LoadGen;

/// <summary>The options of a timed rate test (tunnel, plain): how many workers, for how long, how many operations at most.</summary>
internal sealed record LoadSettings(int Concurrency, TimeSpan Duration, TimeSpan Warmup, long MaxOperations, int[] CpuPids, int[] RigPids)
{
    /// <summary>With no --max the count still has a bound, one no loopback run reaches.</summary>
    private const long DefaultMaxOperations = 1_000_000_000;

    public static LoadSettings From(CommandLine options) => new(
        options.Int32("concurrency", null, 1, 10_000),
        options.Seconds("duration", null, 0.001, 3600),
        options.Seconds("warmup", 1, 0, 600),
        options.Integer("max", DefaultMaxOperations, 1, DefaultMaxOperations),
        options.ProcessIds("cpu-pids"),
        options.ProcessIds("rig-pids"));
}
