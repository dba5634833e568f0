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
        // One increment per pick; skipping ineligible entries keeps the others' relative shares.
        var start = Interlocked.Increment(ref _next);
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
