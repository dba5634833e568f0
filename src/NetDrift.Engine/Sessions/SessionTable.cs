using System.Collections.Concurrent;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Sessions;

/// <summary>
/// The live sessions of one proxy, keyed on <c>user/session</c>, kept across reloads. A new session
/// takes the rendezvous choice (<see cref="StickyPolicy"/>) of <c>user/session</c> over the usable
/// upstreams, so instances with the same pool agree with no shared state; it then remembers that
/// upstream, whatever the strategy, until it has been unused for the TTL. When its upstream turns
/// unusable (Unhealthy, disabled, draining, removed, or already failed this request) it moves to the
/// next rendezvous choice and stays there. A session's request is never a half-open trial. Bounded:
/// past max_sessions the least recently used go first. The hot path touches only the dictionary.
/// </summary>
public sealed class SessionTable
{
    /// <summary>How many last-use times a trim looks at to find where the oldest end.</summary>
    private const int TrimSamples = 2048;
    private static readonly StickyPolicy Rendezvous = new();
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    // Counted by hand: ConcurrentDictionary.Count takes every bucket lock.
    private int _count;
    private int _trimming;

    public SessionTable(TimeProvider time) => _time = time;

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// The upstream for one attempt of session <paramref name="id"/> of <paramref name="user"/>; null
    /// when none may be tried. The first attempt of a request counts as a use.
    /// </summary>
    internal Upstream? Pick(UpstreamPool pool, string user, string id, IReadOnlyCollection<Upstream> tried, string? requiredTag, SessionsConfig config)
    {
        var now = _time.GetUtcNow();
        var key = user + "/" + id;
        var context = new PickContext(key, tried, requiredTag: requiredTag);
        if (_sessions.TryGetValue(key, out var session) && session.IsExpired(now, config.Ttl))
        {
            Remove(key, session);
            session = null;
        }
        if (session is null)
        {
            var first = Choose(pool, context, current: null);
            if (first is null)
            {
                return null;
            }
            var created = new Session(user, id, first, now);
            if (_sessions.TryAdd(key, created))
            {
                Interlocked.Increment(ref _count);
                TrimToCap(config.MaxSessions);
                session = created;
            }
            // Else another request of the same session created it first: follow that one.
            else if (!_sessions.TryGetValue(key, out session))
            {
                return first;
            }
        }
        if (tried.Count == 0)
        {
            session.Used(now);
        }
        var current = session.Upstream;
        if (context.IsEligible(current))
        {
            return current;
        }
        var next = Choose(pool, context, current);
        if (next is not null)
        {
            session.Move(current, next);
        }
        return next;
    }

    /// <summary>Drops the sessions unused for <paramref name="ttl"/> (the proxy's 1 s sweep).</summary>
    public void Sweep(TimeSpan ttl)
    {
        var now = _time.GetUtcNow();
        // Enumerating a ConcurrentDictionary takes no lock and tolerates concurrent writes.
        foreach (var (key, session) in _sessions)
        {
            if (session.IsExpired(now, ttl))
            {
                Remove(key, session);
            }
        }
    }

    /// <summary>Every live session as it is now, oldest first.</summary>
    public IReadOnlyList<SessionSnapshot> Snapshot(TimeSpan ttl)
    {
        var now = _time.GetUtcNow();
        var list = new List<SessionSnapshot>();
        foreach (var (_, session) in _sessions)
        {
            if (!session.IsExpired(now, ttl))
            {
                var lastUsed = session.LastUsedAt;
                list.Add(new SessionSnapshot(session.User, session.Id, session.Upstream.Name, session.CreatedAt, lastUsed, lastUsed + ttl,
                    session.Requests, session.Moves));
            }
        }
        list.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return list;
    }

    /// <summary>
    /// The rendezvous choice among the usable upstreams; when none is (panic), the session keeps an
    /// upstream still in rotation, else takes the rendezvous choice among the unhealthy ones.
    /// </summary>
    private static Upstream? Choose(UpstreamPool pool, in PickContext context, Upstream? current)
    {
        if (Rendezvous.Pick(pool, context) is { } usable)
        {
            return usable;
        }
        var panicking = context.Panicking();
        return current is not null && panicking.IsEligible(current) ? current : Rendezvous.Pick(pool, panicking);
    }

    /// <summary>
    /// Past the cap, drops the least recently used down to 99% of it, so the two passes this costs
    /// are paid once per hundredth of the cap in new sessions, not per new session. One thread trims
    /// at a time; no sort of the whole table and no large array (a 100,000 cap would put one on the
    /// large object heap every time).
    /// </summary>
    private void TrimToCap(int max)
    {
        if (Count <= max || Interlocked.CompareExchange(ref _trimming, 1, 0) != 0)
        {
            return;
        }
        try
        {
            var excess = Count - (max - max / 100);
            var cutoff = LastUseOfTheOldest(excess);
            foreach (var (key, session) in _sessions)
            {
                if (excess <= 0)
                {
                    break;
                }
                if (session.LastUsedTicks <= cutoff && Remove(key, session))
                {
                    excess--;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }

    /// <summary>
    /// The last use at or before which <paramref name="count"/> sessions lie: exact up to
    /// <see cref="TrimSamples"/> sessions, beyond that from an even sample of that many.
    /// </summary>
    private long LastUseOfTheOldest(int count)
    {
        var live = Math.Max(1, Count);
        var step = Math.Max(1, live / TrimSamples);
        var samples = new List<long>(Math.Min(live, TrimSamples) + 64);
        var i = 0;
        foreach (var (_, session) in _sessions)
        {
            if (i++ % step == 0)
            {
                samples.Add(session.LastUsedTicks);
            }
        }
        if (samples.Count == 0)
        {
            return long.MinValue;
        }
        samples.Sort();
        var rank = (int)Math.Clamp((long)count * samples.Count / live - 1, 0, samples.Count - 1);
        return samples[rank];
    }

    private bool Remove(string key, Session session)
    {
        if (!_sessions.TryRemove(new KeyValuePair<string, Session>(key, session)))
        {
            return false;
        }
        Interlocked.Decrement(ref _count);
        return true;
    }
}
