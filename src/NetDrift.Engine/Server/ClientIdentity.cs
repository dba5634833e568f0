namespace NetDrift.Engine.Server;

/// <summary>Who a request comes from, as balancing sees it: the sticky key, the tag the user is pinned to, the session it names.</summary>
/// <param name="Key">The user name, or the client IP without authentication.</param>
/// <param name="Tag">The user's upstream tag from the config, or null when not pinned.</param>
/// <param name="Route">The route that matched the target; null when none did (the whole pool).</param>
/// <param name="Session">The session id (username suffix or X-NetDrift-Session), or null: sessions key on <c>Key/Session</c>.</param>
/// <param name="User">The authenticated user's state (counts, byte rate); null without authentication.</param>
internal readonly record struct ClientIdentity(string Key, string? Tag, Routing.CompiledRoute? Route = null, Users.UserState? User = null, string? Session = null);
