using System.Collections.Concurrent;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Users;

/// <summary>The per-user state of one proxy, keyed on the user name: kept across reloads, so a reload changes a limit without resetting its count.</summary>
public sealed class UserActivity
{
    private readonly ConcurrentDictionary<string, UserState> _users = new(StringComparer.Ordinal);

    /// <summary>The state of <paramref name="user"/>, with the limits of this config.</summary>
    public UserState For(UserConfig user)
    {
        var state = _users.GetOrAdd(user.Username, static (_, config) => new UserState(config), user);
        state.Apply(user);
        return state;
    }

    /// <summary>The configured users' states in config order (never-seen ones with zero counts).</summary>
    public IReadOnlyList<UserState> Snapshot(IReadOnlyList<UserConfig> configured) => configured.Select(For).ToArray();
}
