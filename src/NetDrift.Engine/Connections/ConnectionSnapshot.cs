namespace NetDrift.Engine.Connections;

/// <summary>
/// One open client connection as an operator sees it (CONTRACT §10), read without a lock from the
/// state the idle sweeper keeps. For a keep-alive plain connection, Kind, Target and Upstream
/// describe its current request (between requests, its last one).
/// </summary>
/// <param name="Id">Assigned at accept, one higher for each connection of the proxy.</param>
/// <param name="Client">ip:port; the client a trusted balancer's PROXY protocol header carried, when it did.</param>
/// <param name="User">The logged-in user, or null without authentication (or before the first request).</param>
/// <param name="Target">host:port of a tunnel, the URL of a plain request; null before the first request.</param>
/// <param name="Upstream">The upstream serving it; null until one answered.</param>
/// <param name="BytesSent">Bytes relayed from the client toward the upstream (as UpstreamStats counts them).</param>
/// <param name="BytesReceived">Bytes relayed from the upstream to the client.</param>
/// <param name="IdleFor">Since a byte last moved either way (since accept before any did).</param>
public sealed record ConnectionSnapshot(
    long Id,
    string Client,
    string? User,
    ConnectionProtocol Protocol,
    ConnectionKind Kind,
    string? Target,
    string? Upstream,
    DateTimeOffset StartedAt,
    long BytesSent,
    long BytesReceived,
    TimeSpan IdleFor);
