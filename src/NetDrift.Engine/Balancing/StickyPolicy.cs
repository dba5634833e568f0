using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// Weighted rendezvous (highest-random-weight) hashing of the client key: the same user goes to the
/// same eligible upstream, and adding or removing one upstream moves only that upstream's keys.
/// </summary>
public sealed class StickyPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingNames.Sticky;

    public Upstream? Pick(UpstreamPool pool, in PickContext context)
    {
        Upstream? best = null;
        var bestScore = double.NegativeInfinity;
        // An index loop: foreach over the IReadOnlyList interface would allocate an enumerator per pick.
        var all = pool.All;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[i];
            if (!context.IsEligible(candidate))
            {
                continue;
            }
            var score = Score(context.ClientKey, candidate.Name, candidate.Config.Weight);
            if (score > bestScore)
            {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>-weight / ln(u) with u uniform in (0,1) from the hash: the weighted HRW score.</summary>
    internal static double Score(string key, string upstreamName, int weight)
    {
        var hash = Mix(Fnv1a(upstreamName, Fnv1a(key, 14695981039346656037UL) ^ 0x0A));
        var unit = ((hash >> 11) + 0.5) / (1UL << 53);
        return -weight / Math.Log(unit);
    }

    private static ulong Fnv1a(string text, ulong hash)
    {
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    // splitmix64's finalizer: spreads FNV's weak low bits over the whole word.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
