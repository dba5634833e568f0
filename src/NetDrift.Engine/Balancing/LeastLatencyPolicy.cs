using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// Lowest smoothed connect latency. An upstream with no sample yet counts as fastest, so every
/// upstream gets measured before the policy settles.
/// </summary>
public sealed class LeastLatencyPolicy : ILoadBalancingPolicy
{
    private long _next = -1;

    public string Name => LoadBalancingNames.LeastLatency;

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        var all = pool.All;
        var start = all.Count == 0 ? 0 : Interlocked.Increment(ref _next) % all.Count;
        Upstream? best = null;
        var bestLatency = long.MaxValue;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[(int)((start + i) % all.Count)];
            if (!context.IsEligible(candidate))
            {
                continue;
            }
            var latency = candidate.Counters.LatencyEwmaMicros;
            if (latency < bestLatency)
            {
                best = candidate;
                bestLatency = latency;
            }
        }
        return best;
    }
}
