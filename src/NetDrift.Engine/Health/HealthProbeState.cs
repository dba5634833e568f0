namespace NetDrift.Engine.Health;

/// <summary>
/// An upstream's health-probe bookkeeping, apart from its client statistics: probes and failed
/// probes so far, the last result, the one in-flight slot and the endpoint rotation. Changed only
/// atomically; it lives on the upstream, so a restarted checker still never overlaps a probe
/// that an earlier one left running.
/// </summary>
public sealed class HealthProbeState
{
    private long _probes;
    private long _failures;
    private long _skipped;
    private int _inFlight;
    private int _rotation;
    private HealthProbeResult? _last;

    /// <summary>Probes that ended with a result (cancelled ones are not counted).</summary>
    public long Probes => Interlocked.Read(ref _probes);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Intervals that found the previous probe still running, so probed nothing.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public bool InFlight => Volatile.Read(ref _inFlight) == 1;

    /// <summary>The last probe's result; null before the first.</summary>
    public HealthProbeResult? Last => Volatile.Read(ref _last);

    /// <summary>Claims the in-flight slot; false (and counted as skipped) while a probe runs.</summary>
    internal bool TryBegin()
    {
        if (Interlocked.CompareExchange(ref _inFlight, 1, 0) == 0)
        {
            return true;
        }
        Interlocked.Increment(ref _skipped);
        return false;
    }

    internal void End() => Volatile.Write(ref _inFlight, 0);

    /// <summary>The index of the endpoint for the next probe: 0, 1, … count-1, 0, …</summary>
    internal int NextEndpoint(int count) => (int)((uint)(Interlocked.Increment(ref _rotation) - 1) % (uint)count);

    internal void Record(HealthProbeResult result)
    {
        if (!result.Succeeded)
        {
            Interlocked.Increment(ref _failures);
        }
        Volatile.Write(ref _last, result);
        Interlocked.Increment(ref _probes);
    }
}
