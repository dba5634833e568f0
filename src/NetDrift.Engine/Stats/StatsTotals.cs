namespace NetDrift.Engine.Stats;

/// <summary>Plain (non-atomic) sums of cells: the working form of a snapshot, and a reset baseline.</summary>
internal sealed class StatsTotals
{
    public long Requests;
    public long Succeeded;
    public long Failed;
    public readonly long[] FailedBy = new long[StatsCell.CauseCount];
    public long BytesSent;
    public long BytesReceived;
    public long LatencyMicros;
    public long PeakConcurrency;
    public readonly long[] LatencyBuckets = new long[LatencyHistogram.BucketCount];

    /// <summary>Subtracts a baseline taken at the last reset (peaks are not additive: kept as is).</summary>
    public void Subtract(StatsTotals baseline)
    {
        Requests -= baseline.Requests;
        Succeeded -= baseline.Succeeded;
        Failed -= baseline.Failed;
        for (var i = 0; i < FailedBy.Length; i++)
        {
            FailedBy[i] -= baseline.FailedBy[i];
        }
        BytesSent -= baseline.BytesSent;
        BytesReceived -= baseline.BytesReceived;
        LatencyMicros -= baseline.LatencyMicros;
        for (var i = 0; i < LatencyBuckets.Length; i++)
        {
            LatencyBuckets[i] -= baseline.LatencyBuckets[i];
        }
    }

    public void Add(StatsTotals other)
    {
        Requests += other.Requests;
        Succeeded += other.Succeeded;
        Failed += other.Failed;
        for (var i = 0; i < FailedBy.Length; i++)
        {
            FailedBy[i] += other.FailedBy[i];
        }
        BytesSent += other.BytesSent;
        BytesReceived += other.BytesReceived;
        LatencyMicros += other.LatencyMicros;
        PeakConcurrency = Math.Max(PeakConcurrency, other.PeakConcurrency);
        for (var i = 0; i < LatencyBuckets.Length; i++)
        {
            LatencyBuckets[i] += other.LatencyBuckets[i];
        }
    }
}
