namespace NetDrift.Engine.Configuration;

/// <summary>
/// <c>sessions</c> (CONTRACT §9): sticky sessions named in the username (<c>alice-session-abc1</c>)
/// or in the <c>X-NetDrift-Session</c> header, each pinned to one upstream until unused for the TTL.
/// </summary>
public sealed record SessionsConfig
{
    public const int DefaultMaxSessions = 100_000;

    public bool Enabled { get; init; }

    /// <summary>What splits a login name into user and session; the last occurrence counts.</summary>
    public string Separator { get; init; } = "-session-";

    /// <summary>A session expires once unused this long.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>The cap on live sessions: past it the least recently used expire first, so memory stays bounded.</summary>
    public int MaxSessions { get; init; } = DefaultMaxSessions;
}
