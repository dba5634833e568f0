namespace NetDrift.Engine.Stats;

/// <summary>One upstream's statistics over one window, read at one moment. Latencies in milliseconds.</summary>
public sealed record UpstreamStatsSnapshot
{
    public StatsWindow Window { get; init; }
    /// <summary>How long the window spans: uptime since reset for Lifetime, 15 minutes for Recent.</summary>
    public TimeSpan WindowLength { get; init; }
    /// <summary>Attempts, retries included: Succeeded + Failed once none is in flight.</summary>
    public long Requests { get; init; }
    public long Succeeded { get; init; }
    public long Failed { get; init; }
    public IReadOnlyDictionary<FailureCause, long> FailedBy { get; init; } = new Dictionary<FailureCause, long>();
    public long BytesSent { get; init; }
    public long BytesReceived { get; init; }
    public long LatencyTotalMicros { get; init; }
    /// <summary>Average dial-to-answer latency of successful attempts.</summary>
    public double AvgLatencyMs { get; init; }
    public double? P50LatencyMs { get; init; }
    public double? P95LatencyMs { get; init; }
    public double? P99LatencyMs { get; init; }
    public long ActiveConnections { get; init; }
    public long PeakConcurrency { get; init; }
    public LastError? LastError { get; init; }
    public DateTimeOffset? LastRequestAt { get; init; }

    /// <summary>Succeeded / (Succeeded + Failed); 0 before any attempt finished.</summary>
    public double SuccessRate => Succeeded + Failed == 0 ? 0 : Math.Round(Succeeded / (double)(Succeeded + Failed), 4);

    internal static UpstreamStatsSnapshot From(StatsWindow window, TimeSpan length, StatsTotals t, long active, long peak, LastError? lastError, DateTimeOffset? lastRequest)
    {
        var byCause = new Dictionary<FailureCause, long>();
        foreach (var cause in Enum.GetValues<FailureCause>())
        {
            byCause[cause] = t.FailedBy[(int)cause];
        }
        return new UpstreamStatsSnapshot
        {
            Window = window, WindowLength = length,
            Requests = t.Requests, Succeeded = t.Succeeded, Failed = t.Failed, FailedBy = byCause,
            BytesSent = t.BytesSent, BytesReceived = t.BytesReceived, LatencyTotalMicros = t.LatencyMicros,
            AvgLatencyMs = t.Succeeded == 0 ? 0 : Math.Round(t.LatencyMicros / 1000.0 / t.Succeeded, 3),
            P50LatencyMs = LatencyHistogram.Percentile(t.LatencyBuckets, 0.50),
            P95LatencyMs = LatencyHistogram.Percentile(t.LatencyBuckets, 0.95),
            P99LatencyMs = LatencyHistogram.Percentile(t.LatencyBuckets, 0.99),
            ActiveConnections = active, PeakConcurrency = peak, LastError = lastError, LastRequestAt = lastRequest,
        };
    }
}
