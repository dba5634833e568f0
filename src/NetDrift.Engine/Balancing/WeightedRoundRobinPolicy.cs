using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>Smooth weighted round-robin over the pool's precomputed cycle; skips ineligible entries.</summary>
public sealed class WeightedRoundRobinPolicy : ILoadBalancingPolicy
{
    private long _next = -1;

    public string Name => LoadBalancingNames.WeightedRoundRobin;

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        var order = pool.WeightedOrder;
        if (order.Count == 0)
        {
            return null;
        }
        // An ineligible entry still uses up its slot of the shared cycle, so its turns spread over
        // the others by weight (3/1/1 without B stays 3:1) instead of all going to the next entry.
        for (var i = 0; i < order.Count; i++)
        {
            var candidate = order[(int)(Interlocked.Increment(ref _next) % order.Count)];
            if (context.IsEligible(candidate))
            {
                return candidate;
            }
        }
        // Concurrent pickers may have taken every eligible slot in between: one full scan settles it.
        var start = Volatile.Read(ref _next);
        for (var i = 0L; i < order.Count; i++)
        {
            var candidate = order[(int)((start + i) % order.Count)];
            if (context.IsEligible(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
