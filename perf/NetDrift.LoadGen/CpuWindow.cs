namespace NetDrift.LoadGen;

/// <summary>
/// CPU used during one measurement by the three parties on the machine: the front under test
/// (--cpu-pids), the rig behind it (--rig-pids: origin and upstreams) and this load generator
/// itself. With all three the report can tell a front that is the bottleneck from one that only
/// waits for its rig or its client.
/// </summary>
internal sealed class CpuWindow
{
    private static readonly int[] Self = [Environment.ProcessId];
    private readonly int[] _front;
    private readonly int[] _rig;
    private readonly double? _frontStart;
    private readonly double? _rigStart;
    private readonly double? _selfStart;
    private readonly double _machineStart;
    private readonly long _begin;

    private CpuWindow(int[] front, int[] rig)
    {
        (_front, _rig) = (front, rig);
        _frontStart = ProcessCpu.Start(front);
        _rigStart = ProcessCpu.Start(rig);
        _selfStart = ProcessCpu.Start(Self);
        _machineStart = ProcessCpu.MachineBusySeconds();
        _begin = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public static CpuWindow Start(int[] front, int[] rig) => new(front, rig);

    /// <summary>CPU seconds since the start: front and rig null when their pids were not given.</summary>
    public CpuUse Stop()
    {
        // The machine's reading brackets the window exactly, its wall time with it: the
        // per-process readings walk /proc, which takes a while on a loaded machine.
        var machine = Math.Max(0, ProcessCpu.MachineBusySeconds() - _machineStart);
        var window = System.Diagnostics.Stopwatch.GetElapsedTime(_begin).TotalSeconds;
        return new(ProcessCpu.Since(_frontStart, _front), ProcessCpu.Since(_rigStart, _rig), ProcessCpu.Since(_selfStart, Self) ?? 0, machine, window);
    }
}

/// <param name="Machine">Every core's busy time, all processes, over <paramref name="WindowSeconds"/>.</param>
internal readonly record struct CpuUse(double? Front, double? Rig, double LoadGen, double Machine, double WindowSeconds);
