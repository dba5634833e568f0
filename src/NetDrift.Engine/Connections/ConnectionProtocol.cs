namespace NetDrift.Engine.Connections;

/// <summary>What the client speaks to NetDrift: HTTP, HTTP over TLS (server.tls), or SOCKS5.</summary>
public enum ConnectionProtocol
{
    Http,
    Https,
    Socks5,
}
