namespace NetDrift.Engine.Stats;

/// <summary>
/// Additive counters for one span (the lifetime, or one minute of the recent window). Every field
/// changes by Interlocked only, so recording never locks.
/// </summary>
internal sealed class StatsCell
{
    public static readonly int CauseCount = Enum.GetValues<FailureCause>().Length;

    public long Requests;
    public long Succeeded;
    public long Failed;
    public readonly long[] FailedBy = new long[CauseCount];
    public long BytesSent;
    public long BytesReceived;
    public long LatencyMicros;
    public long PeakConcurrency;
    public readonly LatencyHistogram Latency = new();

    public void RaisePeak(long active) => AtomicMax.Raise(ref PeakConcurrency, active);

    /// <summary>Adds this cell into a running total (a snapshot being built).</summary>
    public void AddTo(StatsTotals totals)
    {
        totals.Requests += Volatile.Read(ref Requests);
        totals.Succeeded += Volatile.Read(ref Succeeded);
        totals.Failed += Volatile.Read(ref Failed);
        for (var i = 0; i < CauseCount; i++)
        {
            totals.FailedBy[i] += Volatile.Read(ref FailedBy[i]);
        }
        totals.BytesSent += Volatile.Read(ref BytesSent);
        totals.BytesReceived += Volatile.Read(ref BytesReceived);
        totals.LatencyMicros += Volatile.Read(ref LatencyMicros);
        totals.PeakConcurrency = Math.Max(totals.PeakConcurrency, Volatile.Read(ref PeakConcurrency));
        Latency.AddTo(totals.LatencyBuckets);
    }

    public void Clear()
    {
        Volatile.Write(ref Requests, 0);
        Volatile.Write(ref Succeeded, 0);
        Volatile.Write(ref Failed, 0);
        for (var i = 0; i < CauseCount; i++)
        {
            Volatile.Write(ref FailedBy[i], 0);
        }
        Volatile.Write(ref BytesSent, 0);
        Volatile.Write(ref BytesReceived, 0);
        Volatile.Write(ref LatencyMicros, 0);
        Volatile.Write(ref PeakConcurrency, 0);
        Latency.Clear();
    }
}
