using NetDrift.Engine.Tunnel;

namespace NetDrift;

/// <summary>NetDrift.TunnelResult (CONTRACT §2): one Test-NetDriftTunnel attempt.</summary>
public sealed class TunnelResult
{
    public int Attempt { get; init; }
    public int Status { get; init; }
    public bool Succeeded { get; init; }
    public double LatencyMs { get; init; }
    public long BytesReceived { get; init; }
    public string Response { get; init; } = "";
    public string Upstream { get; init; } = "";
    public string Error { get; init; } = "";

    internal static TunnelResult From(int attempt, TunnelProbeResult r) => new()
    {
        Attempt = attempt, Status = r.Status, Succeeded = r.Succeeded, LatencyMs = r.LatencyMs,
        BytesReceived = r.BytesReceived, Response = r.Response, Upstream = r.Upstream, Error = r.Error,
    };
}
