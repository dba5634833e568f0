namespace NetDrift;

/// <summary>NetDrift.UpstreamStats (CONTRACT §2): one row per upstream per window.</summary>
public sealed class UpstreamStats
{
    public string Proxy { get; init; } = "";
    public string Upstream { get; init; } = "";
    public string Tag { get; init; } = "";
    public string Window { get; init; } = "Lifetime";
    public long Requests { get; init; }
    public long Succeeded { get; init; }
    public long Failed { get; init; }
    /// <summary>Succeeded / (Succeeded + Failed), 0..1; 0 before the first finished attempt.</summary>
    public double SuccessRate { get; init; }
    public long ActiveConnections { get; init; }
    public long PeakConcurrency { get; init; }
    public long BytesSent { get; init; }
    public long BytesReceived { get; init; }
    public double AvgLatencyMs { get; init; }
    public double? P50LatencyMs { get; init; }
    public double? P95LatencyMs { get; init; }
    public double? P99LatencyMs { get; init; }
    public string Health { get; init; } = "";
    public string LastError { get; init; } = "";
    public DateTimeOffset? LastErrorAt { get; init; }
    public DateTimeOffset? LastRequestAt { get; init; }

    internal static UpstreamStats From(string proxy, Engine.Upstreams.Upstream upstream)
    {
        var c = upstream.Counters;
        var succeeded = c.Succeeded;
        var failed = c.Failed;
        var finished = succeeded + failed;
        return new UpstreamStats
        {
            Proxy = proxy, Upstream = upstream.Name, Tag = upstream.Config.Tag,
            Requests = c.Requests, Succeeded = succeeded, Failed = failed,
            SuccessRate = finished == 0 ? 0 : Math.Round(succeeded / (double)finished, 4),
            ActiveConnections = c.ActiveConnections, PeakConcurrency = c.PeakConcurrency,
            BytesSent = c.BytesSent, BytesReceived = c.BytesReceived,
            AvgLatencyMs = succeeded == 0 ? 0 : Math.Round(c.LatencyTotalMicros / 1000.0 / succeeded, 3),
            Health = upstream.Health.ToString(),
            LastError = c.LastError?.Message ?? "", LastErrorAt = c.LastError?.At, LastRequestAt = c.LastRequestAt,
        };
    }
}
