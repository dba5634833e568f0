namespace NetDrift;

/// <summary>NetDrift.UpstreamStats (CONTRACT §2): one row per upstream per window.</summary>
public sealed class UpstreamStats
{
    public string Proxy { get; init; } = "";
    public string Upstream { get; init; } = "";
    public string Tag { get; init; } = "";
    /// <summary>Lifetime (since start or the last reset) or Recent (the last 15 minutes).</summary>
    public string Window { get; init; } = "Lifetime";
    public long Requests { get; init; }
    public long Succeeded { get; init; }
    public long Failed { get; init; }
    /// <summary>Failures by cause (Refused, Reset, Timeout, UpstreamStatus, Auth, Protocol, Cancelled, TargetUnreachable); causes with none are left out.</summary>
    public IReadOnlyDictionary<string, long> FailedBy { get; init; } = new Dictionary<string, long>();
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

    internal static UpstreamStats From(string proxy, Engine.Upstreams.Upstream upstream, Engine.Stats.StatsWindow window)
    {
        var snapshot = upstream.Counters.Snapshot(window);
        return new UpstreamStats
        {
            Proxy = proxy, Upstream = upstream.Name, Tag = upstream.Config.Tag, Window = window.ToString(),
            Requests = snapshot.Requests, Succeeded = snapshot.Succeeded, Failed = snapshot.Failed, SuccessRate = snapshot.SuccessRate,
            FailedBy = snapshot.FailedBy.Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            ActiveConnections = snapshot.ActiveConnections, PeakConcurrency = snapshot.PeakConcurrency,
            BytesSent = snapshot.BytesSent, BytesReceived = snapshot.BytesReceived,
            AvgLatencyMs = snapshot.AvgLatencyMs,
            P50LatencyMs = snapshot.P50LatencyMs, P95LatencyMs = snapshot.P95LatencyMs, P99LatencyMs = snapshot.P99LatencyMs,
            Health = upstream.Health.ToString(),
            LastError = snapshot.LastError?.Message ?? "", LastErrorAt = snapshot.LastError?.At, LastRequestAt = snapshot.LastRequestAt,
        };
    }
}
