using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// One upstream name's metrics at one scrape. <paramref name="Identity"/> changes when the name's
/// series restarts (it left the pool and came back), so an exporter knows to drop what it wrote.
/// </summary>
internal sealed record UpstreamSeriesSnapshot(object Identity, string Name, StatsTotals Totals, Upstream Current, long ActiveConnections, bool InRotation);
