namespace NetDrift.Engine.Balancing;

/// <summary>Makes the policy a config names; each proxy gets its own instance (its own counters).</summary>
public static class LoadBalancingPolicyFactory
{
    public static ILoadBalancingPolicy Create(string name) => name switch
    {
        LoadBalancingNames.WeightedRoundRobin => CyclePolicy.WeightedRoundRobin(),
        LoadBalancingNames.RoundRobin => CyclePolicy.RoundRobin(),
        LoadBalancingNames.LeastConnections => new LeastConnectionsPolicy(),
        LoadBalancingNames.LeastLatency => new LeastLatencyPolicy(),
        LoadBalancingNames.Sticky => new StickyPolicy(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown load_balancing strategy."),
    };
}
