using Microsoft.Extensions.Logging;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// Picks the upstream for one attempt, in order: an Unhealthy upstream whose back-off has passed
/// gets this request as its single trial (half-open); else the policy picks among healthy ones,
/// recovered ones taking a growing share (slow start); else the policy without that ramp; when
/// none is healthy, the least bad (panic mode, logged once per episode). A user pinned to a tag
/// never leaves it.
/// </summary>
internal sealed class UpstreamSelector(ILogger logger, Random random)
{
    private int _panicLogged;

    public Upstream? Pick(ILoadBalancingPolicy policy, UpstreamPool pool, string clientKey, IReadOnlyCollection<Upstream> tried,
        string? requiredTag, out bool trial)
    {
        var context = new PickContext(clientKey, tried, requiredTag: requiredTag, rampDraw: random.NextDouble(), random: random);
        trial = false;
        // An index loop: foreach over the IReadOnlyList interface would allocate an enumerator per pick.
        var all = pool.All;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[i];
            if (candidate.Health == UpstreamHealth.Unhealthy && context.Panicking().IsEligible(candidate) && candidate.TryStartTrial())
            {
                trial = true;
                return candidate;
            }
        }
        var picked = policy.Pick(pool, context) ?? policy.Pick(pool, context.WithoutRamp());
        if (picked is not null)
        {
            Volatile.Write(ref _panicLogged, 0);
            return picked;
        }
        picked = policy.Pick(pool, context.Panicking());
        if (picked is not null && Interlocked.Exchange(ref _panicLogged, 1) == 0)
        {
            ProxyLog.PanicMode(logger);
        }
        return picked;
    }
}
