using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>Chooses the upstream for one attempt. Returns null when nothing is eligible; never throws.</summary>
public interface ILoadBalancingPolicy
{
    string Name { get; }

    Upstream? Pick(UpstreamPool pool, in PickContext context);
}
