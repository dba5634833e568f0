using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Stats;

/// <summary>
/// Proxy-wide counters (Interlocked only), beside the per-upstream ones. The counts only grow, so
/// Prometheus reads them raw; a reset stores a baseline the public figures subtract.
/// </summary>
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
    private readonly long[] _rejectedBy = new long[Enum.GetValues<RejectionCause>().Length];
    private (long Total, long AuthFailures, long Rejected) _baseline;
    private readonly object _resetLock = new();

    public ProxyCounters(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public long TotalConnections => Volatile.Read(ref _total) - Baseline.Total;
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
    public long AuthFailures => Volatile.Read(ref _authFailures) - Baseline.AuthFailures;

    /// <summary>Connections turned away at max_connections.</summary>
    public long Rejected => Volatile.Read(ref _rejected) - Baseline.Rejected;

    /// <summary>Raw totals since start, never reset: what monotonic exporters publish.</summary>
    public (long Connections, long AuthFailures, long Rejected) Monotonic() =>
        (Volatile.Read(ref _total), Volatile.Read(ref _authFailures), Volatile.Read(ref _rejected));

    private (long Total, long AuthFailures, long Rejected) Baseline
    {
        get
        {
            lock (_resetLock)
            {
                return _baseline;
            }
        }
    }

    internal long Opened()
    {
        Interlocked.Increment(ref _total);
        var active = Interlocked.Increment(ref _active);
        AtomicMax.Raise(ref _peak, active);
        _recent.CellFor(_time.GetUtcNow()).RaisePeak(active);
        return active;
    }

    internal void Closed() => Interlocked.Decrement(ref _active);

    internal void AuthFailed() => Interlocked.Increment(ref _authFailures);

    /// <summary>Counts a refusal; the connection-level ones also count in <see cref="Rejected"/>.</summary>
    internal void Reject(RejectionCause cause)
    {
        Interlocked.Increment(ref _rejectedBy[(int)cause]);
        if (cause is RejectionCause.MaxConnections or RejectionCause.PerClientLimit)
        {
            Interlocked.Increment(ref _rejected);
        }
    }

    /// <summary>
    /// Refusals by cause since start (monotonic). Not an <see cref="System.Collections.IDictionary"/>:
    /// PowerShell's ConvertTo-Json refuses dictionaries with non-string keys, and it reaches this
    /// through ProxyInfo.Engine.
    /// </summary>
    public IReadOnlyDictionary<RejectionCause, long> RejectedBy =>
        new RejectionCounts(Enum.GetValues<RejectionCause>().ToDictionary(c => c, c => Volatile.Read(ref _rejectedBy[(int)c])));

    private sealed class RejectionCounts(Dictionary<RejectionCause, long> counts) : IReadOnlyDictionary<RejectionCause, long>
    {
        public long this[RejectionCause key] => counts[key];
        public IEnumerable<RejectionCause> Keys => counts.Keys;
        public IEnumerable<long> Values => counts.Values;
        public int Count => counts.Count;
        public bool ContainsKey(RejectionCause key) => counts.ContainsKey(key);
        public bool TryGetValue(RejectionCause key, out long value) => counts.TryGetValue(key, out value);
        public IEnumerator<KeyValuePair<RejectionCause, long>> GetEnumerator() => counts.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Zeroes counts; the active gauge stays and the peak restarts from it.</summary>
    internal void Reset()
    {
        lock (_resetLock)
        {
            _baseline = (Volatile.Read(ref _total), Volatile.Read(ref _authFailures), Volatile.Read(ref _rejected));
        }
        Interlocked.Exchange(ref _peak, ActiveConnections);
        _recent.Clear();
    }
}
