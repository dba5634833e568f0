namespace NetDrift.Engine.Health;

/// <summary>What a health probe asks of an upstream (CONTRACT §3, health_check).</summary>
public enum HealthProbeKind
{
    /// <summary>No endpoints configured: a TCP connect to the upstream itself.</summary>
    TcpConnect,
    /// <summary>An http:// endpoint: a GET in absolute-form through the upstream, 2xx expected.</summary>
    HttpGet,
    /// <summary>An https:// endpoint: a CONNECT through the upstream, 2xx expected.</summary>
    Connect,
}
