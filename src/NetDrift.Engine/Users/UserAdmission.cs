namespace NetDrift.Engine.Users;

/// <summary>A request let through a user's limits; disposing it gives back its connection slot.</summary>
public sealed class UserLease : IDisposable
{
    private int _released;

    internal UserLease(UserState user) => User = user;

    public UserState User { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            User.CloseConnection();
        }
    }
}

/// <summary>Why a user's request was refused; <see cref="None"/> when it was let through.</summary>
public enum UserLimit { None, MaxConnections, RequestsPerMinute }

/// <summary>
/// The per-user gate of every CONNECT and plain request: max_connections (tunnels and plain
/// requests in flight), then requests_per_minute (a fixed one-minute window per user). A request
/// refused by the first does not use up the second.
/// </summary>
internal static class UserAdmission
{
    public static (UserLease? Lease, UserLimit Limit, int RetryAfterSeconds) TryAdmit(UserState user, DateTimeOffset now)
    {
        var config = user.Config;
        user.Seen(now);
        if (user.OpenConnection() is var open && config.MaxConnections > 0 && open > config.MaxConnections)
        {
            user.CloseConnection();
            user.CountLimited();
            // A connection slot frees when one ends: no way to know when; a second is a fair retry.
            return (null, UserLimit.MaxConnections, 1);
        }
        if (config.RequestsPerMinute > 0 && user.TakeRequest(config.RequestsPerMinute, now) is var wait and > 0)
        {
            user.CloseConnection();
            user.CountLimited();
            return (null, UserLimit.RequestsPerMinute, wait);
        }
        user.CountRequest();
        return (new UserLease(user), UserLimit.None, 0);
    }
}
