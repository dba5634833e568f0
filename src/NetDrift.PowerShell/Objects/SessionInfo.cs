namespace NetDrift;

/// <summary>NetDrift.SessionInfo (CONTRACT §9): one live session of a proxy and the upstream it is pinned to.</summary>
public sealed class SessionInfo
{
    public string Proxy { get; init; } = "";
    /// <summary>The user it belongs to, or the client address for a header session without a login.</summary>
    public string User { get; init; } = "";
    public string Session { get; init; } = "";
    public string Upstream { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUsedAt { get; init; }
    /// <summary>When it expires unless used again: LastUsedAt + sessions.ttl_seconds.</summary>
    public DateTimeOffset ExpiresAt { get; init; }
    public long Requests { get; init; }
    /// <summary>How often it moved to another upstream because its own became unusable.</summary>
    public long Moves { get; init; }

    internal static SessionInfo From(string proxy, Engine.Sessions.SessionSnapshot session) => new()
    {
        Proxy = proxy, User = session.User, Session = session.Session, Upstream = session.Upstream, CreatedAt = session.CreatedAt,
        LastUsedAt = session.LastUsedAt, ExpiresAt = session.ExpiresAt, Requests = session.Requests, Moves = session.Moves,
    };

    public override string ToString() => $"{Proxy}/{User}/{Session}";
}
