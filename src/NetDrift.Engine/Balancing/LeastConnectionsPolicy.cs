using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>Fewest open tunnels per unit of weight; ties go round-robin so idle pools still spread.</summary>
public sealed class LeastConnectionsPolicy : ILoadBalancingPolicy
{
    private long _next = -1;

    public string Name => LoadBalancingNames.LeastConnections;

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        var all = pool.All;
        var start = all.Count == 0 ? 0 : Interlocked.Increment(ref _next) % all.Count;
        Upstream? best = null;
        var bestLoad = double.MaxValue;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[(int)((start + i) % all.Count)];
            if (!context.IsEligible(candidate))
            {
                continue;
            }
            var load = candidate.Counters.ActiveConnections / (double)candidate.Config.Weight;
            if (load < bestLoad)
            {
                best = candidate;
                bestLoad = load;
            }
        }
        return best;
    }
}
