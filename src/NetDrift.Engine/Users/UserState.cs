using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Users;

/// <summary>
/// What NetDrift knows about one user while the proxy runs: counts, the open-connection gauge, the
/// request window and the byte-rate pacers. Keyed on the user name, so it survives reloads; the
/// limits are the ones of the config in force, re-read whenever a request brings a newer one.
/// </summary>
public sealed class UserState
{
    private readonly object _windowLock = new();
    private UserConfig _config;
    private long _active;
    private long _requests;
    private long _sent;
    private long _received;
    private long _limited;
    private long _lastSeenTicks;
    private long _windowStart;
    private int _windowCount;
    private SharedRatePacer? _toUpstream;
    private SharedRatePacer? _toClient;

    internal UserState(UserConfig config)
    {
        Name = config.Username;
        _config = config;
        ApplyRate(config.BytesPerSecond);
    }

    public string Name { get; }

    public UserConfig Config => Volatile.Read(ref _config);

    public string? Tag => Config.Tag;

    /// <summary>Tunnels plus plain requests in flight.</summary>
    public long ActiveConnections => Volatile.Read(ref _active);

    /// <summary>CONNECTs and plain requests let through.</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Bytes from this user's clients toward targets.</summary>
    public long BytesSent => Volatile.Read(ref _sent);

    /// <summary>Bytes from targets toward this user's clients.</summary>
    public long BytesReceived => Volatile.Read(ref _received);

    /// <summary>Requests refused by max_connections or requests_per_minute.</summary>
    public long Limited => Volatile.Read(ref _limited);

    /// <summary>When the user last made a request; null when never.</summary>
    public DateTimeOffset? LastSeenAt => Volatile.Read(ref _lastSeenTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    internal SharedRatePacer? ToUpstreamPacer => Volatile.Read(ref _toUpstream);

    internal SharedRatePacer? ToClientPacer => Volatile.Read(ref _toClient);

    /// <summary>Brings in a reloaded config's limits (a no-op for the one already in force).</summary>
    internal void Apply(UserConfig config)
    {
        var previous = Volatile.Read(ref _config);
        if (ReferenceEquals(previous, config))
        {
            return;
        }
        Volatile.Write(ref _config, config);
        if (previous.BytesPerSecond != config.BytesPerSecond)
        {
            ApplyRate(config.BytesPerSecond);
        }
    }

    private void ApplyRate(long bytesPerSecond)
    {
        Volatile.Write(ref _toUpstream, bytesPerSecond > 0 ? new SharedRatePacer(bytesPerSecond) : null);
        Volatile.Write(ref _toClient, bytesPerSecond > 0 ? new SharedRatePacer(bytesPerSecond) : null);
    }

    internal void Seen(DateTimeOffset now) => Volatile.Write(ref _lastSeenTicks, now.UtcTicks);

    internal long OpenConnection() => Interlocked.Increment(ref _active);

    internal void CloseConnection() => Interlocked.Decrement(ref _active);

    internal void CountRequest() => Interlocked.Increment(ref _requests);

    internal void CountLimited() => Interlocked.Increment(ref _limited);

    internal void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);

    internal void AddReceived(long bytes) => Interlocked.Add(ref _received, bytes);

    /// <summary>
    /// Takes one request from the fixed one-minute window (it starts at the first request after the
    /// previous one ended); zero when allowed, else the whole seconds until the window ends.
    /// </summary>
    internal int TakeRequest(int perMinute, DateTimeOffset now)
    {
        lock (_windowLock)
        {
            var ticks = now.UtcTicks;
            if (_windowCount == 0 || ticks - _windowStart >= TimeSpan.TicksPerMinute)
            {
                _windowStart = ticks;
                _windowCount = 0;
            }
            if (_windowCount < perMinute)
            {
                _windowCount++;
                return 0;
            }
            var left = TimeSpan.FromTicks(_windowStart + TimeSpan.TicksPerMinute - ticks);
            return Math.Max(1, (int)Math.Ceiling(left.TotalSeconds));
        }
    }
}
