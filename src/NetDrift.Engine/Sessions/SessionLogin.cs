using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Sessions;

/// <summary>
/// Splits a session out of a login name: <c>alice-session-abc1</c> logs in as <c>alice</c>, session
/// <c>abc1</c>. The LAST occurrence of the separator splits, so a user whose own name contains it
/// (<c>team-session-a</c>) still logs in with a session (<c>team-session-a-session-x</c>); a name that
/// is itself a configured user is never split, and nothing is split while sessions are disabled.
/// </summary>
internal static class SessionLogin
{
    /// <summary>Longer session ids are not sessions: the table's keys stay small.</summary>
    public const int MaxSessionIdLength = 128;

    /// <summary>Names a session without the username form (and for clients that do not log in); never forwarded.</summary>
    public const string HeaderName = "X-NetDrift-Session";

    /// <summary>
    /// The Proxy-Authorization value to check (the session suffix removed from its name) and the
    /// session it named, or the header unchanged and null.
    /// </summary>
    public static (string? Header, string? Session) Split(SessionsConfig sessions, IReadOnlyList<UserConfig> users, string? header)
    {
        if (!sessions.Enabled || !BasicCredentials.TryParse(header, out var offered))
        {
            return (header, null);
        }
        var (name, session) = SplitName(sessions, users, offered.UserName);
        return session is null ? (header, null) : (new BasicCredentials(name, offered.Password).ToHeaderValue(), session);
    }

    /// <summary>A plain login name (a SOCKS5 username, RFC 1929): the name to check and the session it named, or the name unchanged and null.</summary>
    public static (string Name, string? Session) SplitName(SessionsConfig sessions, IReadOnlyList<UserConfig> users, string name)
    {
        if (!sessions.Enabled)
        {
            return (name, null);
        }
        var at = name.LastIndexOf(sessions.Separator, StringComparison.Ordinal);
        var session = at < 0 ? "" : name[(at + sessions.Separator.Length)..];
        if (at <= 0 || session.Length is 0 or > MaxSessionIdLength || IsConfiguredName(users, name))
        {
            return (name, null);
        }
        return (name[..at], session);
    }

    /// <summary>The username's session, else the X-NetDrift-Session header's; null while sessions are disabled (the header is not even looked up).</summary>
    public static string? OrHeader(SessionsConfig sessions, string? fromLogin, HttpHeaders headers) =>
        !sessions.Enabled ? null : fromLogin ?? FromHeader(headers.Get(HeaderName));

    /// <summary>A session id from the X-NetDrift-Session header value, or null when it names none.</summary>
    public static string? FromHeader(string? value)
    {
        var session = value?.Trim();
        return string.IsNullOrEmpty(session) || session.Length > MaxSessionIdLength ? null : session;
    }

    // Every name is compared, so the time taken does not tell which configured name matched.
    private static bool IsConfiguredName(IReadOnlyList<UserConfig> users, string name)
    {
        var found = false;
        for (var i = 0; i < users.Count; i++)
        {
            found |= string.Equals(users[i].Username, name, StringComparison.Ordinal);
        }
        return found;
    }
}
