using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Metrics;

/// <summary>Lifetime proxy-wide totals, never reset.</summary>
internal readonly record struct ProxyTotals(long Connections, long AuthFailures, long Rejected)
{
    public static ProxyTotals Of(ProxyCounters counters)
    {
        var (connections, authFailures, rejected) = counters.Monotonic();
        return new ProxyTotals(connections, authFailures, rejected);
    }
}
