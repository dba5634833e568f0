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
        // An ineligible upstream still uses up its turn, so the others keep equal shares instead of
        // the next one in the list taking every turn of the skipped one.
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[(int)(Interlocked.Increment(ref _next) % all.Count)];
            if (context.IsEligible(candidate))
            {
                return candidate;
            }
        }
        // Concurrent pickers may have taken every eligible turn in between: one full scan settles it.
        var start = Volatile.Read(ref _next);
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
