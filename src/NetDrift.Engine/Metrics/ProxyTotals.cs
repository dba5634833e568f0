namespace NetDrift.Engine.Metrics;

/// <summary>Lifetime proxy-wide totals, never reset.</summary>
internal readonly record struct ProxyTotals(long Connections, long AuthFailures, long Rejected);
