namespace NetDrift;

/// <summary>NetDrift.UserInfo (CONTRACT §9): one configured user of a proxy, with its counts and limits, as it is now.</summary>
public sealed class UserInfo
{
    public string Proxy { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>The tag the user is pinned to; empty when none.</summary>
    public string Tag { get; init; } = "";
    /// <summary>Tunnels plus plain requests in flight.</summary>
    public long ActiveConnections { get; init; }
    /// <summary>CONNECTs and plain requests let through since the proxy started.</summary>
    public long Requests { get; init; }
    public long BytesSent { get; init; }
    public long BytesReceived { get; init; }
    /// <summary>Requests refused by max_connections or requests_per_minute (429).</summary>
    public long Limited { get; init; }
    public DateTimeOffset? LastSeenAt { get; init; }
    /// <summary>The limits in force; 0 means none.</summary>
    public int MaxConnections { get; init; }
    public int RequestsPerMinute { get; init; }
    public long BytesPerSecond { get; init; }

    internal static UserInfo From(string proxy, Engine.Users.UserState user)
    {
        var config = user.Config;
        return new UserInfo
        {
            Proxy = proxy, Name = user.Name, Tag = config.Tag ?? "", ActiveConnections = user.ActiveConnections, Requests = user.Requests,
            BytesSent = user.BytesSent, BytesReceived = user.BytesReceived, Limited = user.Limited, LastSeenAt = user.LastSeenAt,
            MaxConnections = config.MaxConnections, RequestsPerMinute = config.RequestsPerMinute, BytesPerSecond = config.BytesPerSecond,
        };
    }

    public override string ToString() => $"{Proxy}/{Name}";
}
