namespace NetDrift.Engine.Tunnel;

/// <summary>One CONNECT attempt through a proxy, as Test-NetDriftTunnel reports it.</summary>
public sealed record TunnelProbeResult(
    int Status, bool Succeeded, double LatencyMs, long BytesReceived, string Response, string Upstream, string Error);
