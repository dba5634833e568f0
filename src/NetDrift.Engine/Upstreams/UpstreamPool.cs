using NetDrift.Engine.Balancing;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// An immutable snapshot of the pool: every upstream (draining ones included, so they stay visible)
/// and the smooth weighted round-robin order of those in rotation. Changes build a new snapshot
/// that the proxy swaps in with one reference write; pickers never lock.
/// </summary>
public sealed class UpstreamPool
{
    public static readonly UpstreamPool Empty = new([]);

    public UpstreamPool(IReadOnlyList<Upstream> upstreams)
    {
        All = upstreams;
        WeightedOrder = SmoothWeightedSequence.Build(upstreams);
    }

    public IReadOnlyList<Upstream> All { get; }

    /// <summary>Upstreams in the interleaved order smooth WRR visits them, weight times each per cycle.</summary>
    public IReadOnlyList<Upstream> WeightedOrder { get; }

    /// <summary>The upstream with this name; an active one wins over a draining namesake.</summary>
    public Upstream? Find(string name)
    {
        Upstream? draining = null;
        foreach (var upstream in All)
        {
            if (string.Equals(upstream.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                if (upstream.State == UpstreamState.Active)
                {
                    return upstream;
                }
                draining ??= upstream;
            }
        }
        return draining;
    }
}
