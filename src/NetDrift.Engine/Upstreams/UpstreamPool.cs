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

    public Upstream? Find(string name)
    {
        foreach (var upstream in All)
        {
            if (string.Equals(upstream.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return upstream;
            }
        }
        return null;
    }
}
