namespace NetDrift.Engine.Connections;

/// <summary>What a connection carries: a tunnel (CONNECT, SOCKS5) or plain HTTP requests.</summary>
public enum ConnectionKind
{
    Request,
    Tunnel,
}
