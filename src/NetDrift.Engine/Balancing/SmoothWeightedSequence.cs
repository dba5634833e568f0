using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// Precomputes one cycle of nginx's smooth weighted round-robin: each upstream appears weight times,
/// evenly interleaved (3/1/1 gives A B A C A). Computing the cycle once per pool change lets pickers
/// walk it with a single Interlocked counter instead of updating shared weights under a lock.
/// </summary>
public static class SmoothWeightedSequence
{
    public static IReadOnlyList<Upstream> Build(IReadOnlyList<Upstream> upstreams)
    {
        var members = upstreams.Where(u => u.Config.InRotation).ToArray();
        if (members.Length == 0)
        {
            return [];
        }
        var divisor = members.Select(u => u.Config.Weight).Aggregate(Gcd);
        var weights = members.Select(u => u.Config.Weight / divisor).ToArray();
        var total = weights.Sum();
        var current = new long[members.Length];
        var order = new Upstream[total];
        for (var step = 0; step < total; step++)
        {
            var best = 0;
            for (var i = 0; i < members.Length; i++)
            {
                current[i] += weights[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }
            current[best] -= total;
            order[step] = members[best];
        }
        return order;
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
