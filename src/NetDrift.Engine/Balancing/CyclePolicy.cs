using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// Walks a fixed cycle of the pool with one shared counter, skipping ineligible entries. Two
/// strategies are this one walk over different cycles: round-robin's is the pool in order (weights
/// ignored, 0 still means out), weighted round-robin's the pool's precomputed smooth weighted
/// sequence (<see cref="SmoothWeightedSequence"/>, each upstream weight times).
/// </summary>
public sealed class CyclePolicy : ILoadBalancingPolicy
{
    private readonly Func<UpstreamPool, IReadOnlyList<Upstream>> _cycle;
    private long _next = -1;

    private CyclePolicy(string name, Func<UpstreamPool, IReadOnlyList<Upstream>> cycle)
    {
        Name = name;
        _cycle = cycle;
    }

    public static CyclePolicy RoundRobin() => new(LoadBalancingNames.RoundRobin, static pool => pool.All);

    public static CyclePolicy WeightedRoundRobin() => new(LoadBalancingNames.WeightedRoundRobin, static pool => pool.WeightedOrder);

    public string Name { get; }

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        var cycle = _cycle(pool);
        if (cycle.Count == 0)
        {
            return null;
        }
        // An ineligible entry still uses up its slot, so its turns spread over the others in the
        // cycle's proportions (3/1/1 without B stays 3:1) instead of all going to the next entry.
        for (var i = 0; i < cycle.Count; i++)
        {
            var candidate = cycle[(int)(Interlocked.Increment(ref _next) % cycle.Count)];
            if (context.IsEligible(candidate))
            {
                return candidate;
            }
        }
        // Concurrent pickers may have taken every eligible slot in between: one full scan settles it.
        var start = Volatile.Read(ref _next);
        for (var i = 0L; i < cycle.Count; i++)
        {
            var candidate = cycle[(int)((start + i) % cycle.Count)];
            if (context.IsEligible(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
