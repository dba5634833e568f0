using NetDrift.Engine.Server;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// The proxy-wide counters as Prometheus and the Meter must see them: monotonic across
/// Reset-NetDriftStats. <see cref="ProxyCounters"/> zeroes on reset, so what it held is carried
/// here first, under the lock readers take, so no scrape sees those counts twice or not at all.
/// Only resets and scrapes take the lock; the request path never does.
/// </summary>
internal sealed class MonotonicProxyCounters
{
    private readonly ProxyCounters _counters;
    private readonly object _gate = new();
    private long _connections;
    private long _authFailures;
    private long _rejected;

    public MonotonicProxyCounters(ProxyCounters counters) => _counters = counters;

    public ProxyTotals Read()
    {
        lock (_gate)
        {
            return new ProxyTotals(
                _connections + _counters.TotalConnections,
                _authFailures + _counters.AuthFailures,
                _rejected + _counters.Rejected);
        }
    }

    /// <summary>Resets the proxy's counters, carrying their totals over.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _connections += _counters.TotalConnections;
            _authFailures += _counters.AuthFailures;
            _rejected += _counters.Rejected;
            _counters.Reset();
        }
    }
}
