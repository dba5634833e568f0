using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>Plain round-robin: every eligible upstream in turn, weights ignored (0 still means out).</summary>
public sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private long _next = -1;

    public string Name => LoadBalancingNames.RoundRobin;

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        var all = pool.All;
        if (all.Count == 0)
        {
            return null;
        }
        var start = Interlocked.Increment(ref _next);
        for (var i = 0L; i < all.Count; i++)
        {
            var candidate = all[(int)((start + i) % all.Count)];
            if (context.IsEligible(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
