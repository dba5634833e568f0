namespace NetDrift.Engine.Balancing;

/// <summary>The <c>load_balancing</c> values of the config (CONTRACT §3).</summary>
public static class LoadBalancingNames
{
    public const string WeightedRoundRobin = "weighted-round-robin";
    public const string RoundRobin = "round-robin";
    public const string LeastConnections = "least-connections";
    public const string LeastLatency = "least-latency";
    public const string Sticky = "sticky";

    public static readonly IReadOnlyList<string> All = [WeightedRoundRobin, RoundRobin, LeastConnections, LeastLatency, Sticky];
}
