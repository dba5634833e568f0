namespace NetDrift.Engine.Logging;

/// <summary>What kind of exchange an access-log line records; decides Squid's result code.</summary>
public enum AccessKind
{
    /// <summary>A CONNECT tunnel or a SOCKS5 connection: TCP_TUNNEL.</summary>
    Tunnel,
    /// <summary>A plain (absolute-form) HTTP request: TCP_MISS.</summary>
    Request,
    /// <summary>Turned away by NetDrift itself (403/407/429: TCP_DENIED; 400/431/503: NONE).</summary>
    Refusal,
}

/// <summary>
/// One access-log line's facts, taken at the end of an exchange. A value, queued as is: formatting
/// (and redacting the target) happens on the log's own task, never on a relay's.
/// </summary>
/// <param name="Time">When the exchange ended (the proxy's TimeProvider).</param>
/// <param name="User">The logged-in user; null without one (or never, with log_user false: the writer drops it).</param>
/// <param name="Protocol">The client's protocol: Http, Https (the TLS listener) or Socks5.</param>
/// <param name="Target">host:port for a tunnel, the absolute URL for a request (userinfo stripped when written), a Squid error: token when no request was read.</param>
/// <param name="Upstream">The upstream that served it; null when none did.</param>
/// <param name="BytesSent">Client to upstream, after NetDrift's own exchange with the upstream (CONNECT, head).</param>
/// <param name="BytesReceived">Upstream to client: what Squid's bytes field shows.</param>
/// <param name="Cause">Why it failed or was refused (a RejectionCause or FailureCause name); null when served.</param>
/// <param name="ContentType">The response's Content-Type, for Squid's type field.</param>
/// <param name="Direct">Served by a direct route (no upstream): Squid's HIER_DIRECT with the target's host.</param>
public readonly record struct AccessRecord(
    DateTimeOffset Time,
    long ElapsedMilliseconds,
    string Client,
    string? User,
    string Protocol,
    AccessKind Kind,
    string Method,
    string Target,
    int Status,
    string? Upstream,
    int Attempts,
    long BytesSent,
    long BytesReceived,
    string? Cause,
    string? ContentType = null,
    bool Direct = false);
