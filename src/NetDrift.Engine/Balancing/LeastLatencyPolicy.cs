using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// Lower decaying-average connect latency, between two random eligible candidates ("power of two
/// choices"), so one fast upstream is not flooded by every request at once. An upstream with no
/// sample yet counts as fastest, so every upstream gets measured.
/// </summary>
public sealed class LeastLatencyPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingNames.LeastLatency;

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        Upstream? first = null;
        Upstream? second = null;
        var seen = 0;
        // Reservoir-sample two distinct eligible upstreams in one pass, without allocating.
        // An index loop: foreach over the IReadOnlyList interface would allocate an enumerator per pick.
        var all = pool.All;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[i];
            if (!context.IsEligible(candidate))
            {
                continue;
            }
            seen++;
            if (seen == 1)
            {
                first = candidate;
            }
            else if (seen == 2)
            {
                second = candidate;
            }
            else
            {
                var slot = context.Random.Next(seen);
                if (slot == 0)
                {
                    first = candidate;
                }
                else if (slot == 1)
                {
                    second = candidate;
                }
            }
        }
        if (second is null)
        {
            return first;
        }
        var a = first!.Counters.LatencyEwmaMicros;
        var b = second.Counters.LatencyEwmaMicros;
        return a < b || (a == b && context.Random.Next(2) == 0) ? first : second;
    }
}
