using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Sessions;

/// <summary>
/// One live session: the upstream it is pinned to and its use. Changed only through
/// <see cref="Interlocked"/> and volatile writes, so concurrent requests of one session need no lock.
/// </summary>
internal sealed class Session
{
    private Upstream _upstream;
    private long _lastUsedTicks;
    private long _requests;
    private long _moves;

    public Session(string user, string id, Upstream upstream, DateTimeOffset now)
    {
        User = user;
        Id = id;
        _upstream = upstream;
        CreatedAt = now;
        _lastUsedTicks = now.UtcTicks;
    }

    public string User { get; }

    public string Id { get; }

    public DateTimeOffset CreatedAt { get; }

    public Upstream Upstream => Volatile.Read(ref _upstream);

    public DateTimeOffset LastUsedAt => new(LastUsedTicks, TimeSpan.Zero);

    /// <summary>UTC ticks of the last use.</summary>
    public long LastUsedTicks => Interlocked.Read(ref _lastUsedTicks);

    public long Requests => Interlocked.Read(ref _requests);

    public long Moves => Interlocked.Read(ref _moves);

    public bool IsExpired(DateTimeOffset now, TimeSpan ttl) => now.UtcTicks - Interlocked.Read(ref _lastUsedTicks) >= ttl.Ticks;

    /// <summary>A request of this session: TTL counts from now.</summary>
    public void Used(DateTimeOffset now)
    {
        Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
        Interlocked.Increment(ref _requests);
    }

    /// <summary>Pins the session to <paramref name="to"/> instead of <paramref name="from"/>; counted once when two requests race to move it.</summary>
    public void Move(Upstream from, Upstream to)
    {
        if (from != to && Interlocked.CompareExchange(ref _upstream, to, from) == from)
        {
            Interlocked.Increment(ref _moves);
        }
    }
}
