namespace NetDrift.Engine.Net;

/// <summary>How reading a trusted peer's PROXY protocol header ended.</summary>
public enum ProxyHeaderReadResult
{
    /// <summary>A whole header, consumed; the request follows.</summary>
    Read,
    /// <summary>The connection began with something else (a plain request): the balancer is misconfigured.</summary>
    Absent,
    /// <summary>A header that breaks the format or the size cap.</summary>
    Malformed,
    /// <summary>The peer closed in the middle of the header.</summary>
    Truncated,
    /// <summary>The peer closed before sending a byte (a balancer's TCP health check).</summary>
    ClosedBeforeHeader,
    /// <summary>No whole header within the header timeout.</summary>
    TimedOut,
    /// <summary>The connection was reset, or the proxy is stopping.</summary>
    Reset,
}
