using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Server;

/// <summary>Proxy-wide counters (Interlocked only), beside the per-upstream ones.</summary>
public sealed class ProxyCounters
{
    private readonly TimeProvider _time;
    // Only the per-minute peaks are used: the recent window's max_concurrency.
    private readonly MinuteRing _recent = new();
    private long _total;
    private long _active;
    private long _peak;
    private long _authFailures;
    private long _rejected;

    public ProxyCounters(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public long TotalConnections => Volatile.Read(ref _total);
    public long ActiveConnections => Volatile.Read(ref _active);
    public long PeakConcurrency => Volatile.Read(ref _peak);

    /// <summary>The most client connections open at once in the last 15 minutes.</summary>
    public long RecentPeakConcurrency
    {
        get
        {
            var totals = new StatsTotals();
            _recent.AddTo(totals, _time.GetUtcNow());
            return Math.Max(totals.PeakConcurrency, ActiveConnections);
        }
    }

    /// <summary>Requests refused for wrong credentials (not the 407 challenge to a request without any).</summary>
    public long AuthFailures => Volatile.Read(ref _authFailures);

    /// <summary>Connections turned away at max_connections.</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    internal long Opened()
    {
        Interlocked.Increment(ref _total);
        var active = Interlocked.Increment(ref _active);
        var peak = Volatile.Read(ref _peak);
        while (active > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, active, peak);
            if (seen == peak)
            {
                break;
            }
            peak = seen;
        }
        _recent.CellFor(_time.GetUtcNow()).RaisePeak(active);
        return active;
    }

    internal void Closed() => Interlocked.Decrement(ref _active);

    internal void AuthFailed() => Interlocked.Increment(ref _authFailures);

    internal void RejectedOne() => Interlocked.Increment(ref _rejected);

    /// <summary>Zeroes counts; the active gauge stays and the peak restarts from it.</summary>
    internal void Reset()
    {
        Interlocked.Exchange(ref _total, 0);
        Interlocked.Exchange(ref _authFailures, 0);
        Interlocked.Exchange(ref _rejected, 0);
        Interlocked.Exchange(ref _peak, ActiveConnections);
        _recent.Clear();
    }
}
