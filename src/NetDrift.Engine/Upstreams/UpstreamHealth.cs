namespace NetDrift.Engine.Upstreams;

/// <summary>What NetDrift believes of an upstream (CONTRACT §2: Healthy / Unhealthy / Unknown).</summary>
public enum UpstreamHealth
{
    /// <summary>Nothing observed yet.</summary>
    Unknown,
    Healthy,
    /// <summary>failure_threshold consecutive failures: out of rotation until it recovers.</summary>
    Unhealthy,
}
