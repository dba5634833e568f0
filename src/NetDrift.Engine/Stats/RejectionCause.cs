namespace NetDrift.Engine.Stats;

/// <summary>Why NetDrift turned a client or request away itself, before any upstream was tried.</summary>
public enum RejectionCause
{
    /// <summary>limits.max_connections reached: 503.</summary>
    MaxConnections,
    /// <summary>limits.max_connections_per_client reached for that client IP: 503.</summary>
    PerClientLimit,
    /// <summary>No complete request head (nor, for an admin request, its body) within limits.header_timeout_seconds: closed.</summary>
    HeaderTimeout,
    /// <summary>Head over limits.max_header_bytes or max_header_count: 431.</summary>
    HeaderTooLarge,
    /// <summary>Not valid HTTP, or framing that could smuggle a request: 400.</summary>
    Malformed,
    /// <summary>CONNECT to a port outside allowed_ports: 403.</summary>
    PortNotAllowed,
    /// <summary>
    /// Accept failed for want of file descriptors or buffers (EMFILE/ENFILE/ENOBUFS): one per failed
    /// accept. The accept loop backs off (5 ms doubling to 1 s) and the client waits in the backlog.
    /// </summary>
    DescriptorsExhausted,
    /// <summary>A plain request body went limits.body_timeout_seconds without a byte: 408, the client's fault.</summary>
    BodyTimeout,
    /// <summary>
    /// server.proxy_protocol: a trusted peer sent no PROXY protocol header, a malformed one, or
    /// closed mid-header; or an untrusted peer sent one. Closed without an answer.
    /// </summary>
    ProxyProtocol,
    /// <summary>A route with action deny matched the target: 403.</summary>
    RouteDenied,
    /// <summary>The user's max_connections (tunnels and plain requests in flight) reached: 429 with Retry-After.</summary>
    UserMaxConnections,
    /// <summary>The user's requests_per_minute used up in the current one-minute window: 429 with Retry-After.</summary>
    UserRequestRate,
    /// <summary>
    /// The user's bytes_per_second held a tunnel or plain request back (shaped, not refused): one per
    /// tunnel or request that had to wait.
    /// </summary>
    UserBandwidth,
}
