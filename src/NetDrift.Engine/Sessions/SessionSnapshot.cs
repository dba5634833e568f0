namespace NetDrift.Engine.Sessions;

/// <summary>One session as it is now (Get-NetDriftSession).</summary>
public sealed record SessionSnapshot(string User, string Session, string Upstream, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt, long Requests, long Moves);
