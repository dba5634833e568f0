namespace NetDrift;

/// <summary>NetDrift.ConnectionInfo (CONTRACT §10): one open client connection of a proxy, as it was when read.</summary>
public sealed class ConnectionInfo
{
    public string Proxy { get; init; } = "";
    /// <summary>Assigned at accept; what Stop-NetDriftConnection -Id takes.</summary>
    public long Id { get; init; }
    /// <summary>ip:port; behind a trusted balancer, the client its PROXY protocol header carried.</summary>
    public string Client { get; init; } = "";
    /// <summary>The logged-in user; empty without authentication.</summary>
    public string User { get; init; } = "";
    /// <summary>Http, Https or Socks5: what the client speaks to NetDrift.</summary>
    public string Protocol { get; init; } = "";
    /// <summary>Tunnel or Request.</summary>
    public string Kind { get; init; } = "";
    /// <summary>host:port of a tunnel, the URL of a plain request (a keep-alive connection's current one).</summary>
    public string Target { get; init; } = "";
    /// <summary>The upstream serving it; empty until one answered.</summary>
    public string Upstream { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>Bytes from the client toward the upstream.</summary>
    public long BytesSent { get; init; }
    /// <summary>Bytes from the upstream to the client.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Since a byte last moved either way.</summary>
    public TimeSpan IdleFor { get; init; }

    internal static ConnectionInfo From(string proxy, Engine.Connections.ConnectionSnapshot c) => new()
    {
        Proxy = proxy, Id = c.Id, Client = c.Client, User = c.User ?? "", Protocol = c.Protocol.ToString(), Kind = c.Kind.ToString(),
        Target = c.Target ?? "", Upstream = c.Upstream ?? "", StartedAt = c.StartedAt, BytesSent = c.BytesSent,
        BytesReceived = c.BytesReceived, IdleFor = c.IdleFor,
    };

    public override string ToString() => $"{Proxy}/{Id}";
}
