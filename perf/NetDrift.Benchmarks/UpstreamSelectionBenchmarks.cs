using BenchmarkDotNet.Attributes;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Benchmarks;

/// <summary>
/// One upstream pick per op, per balancing strategy, the way ProxyServer.PickUpstream asks for the
/// first attempt of a request: the policy the config names, the pool snapshot, an empty tried list,
/// a ramp draw and Random.Shared. Picking sits on every request, so it should stay allocation-free.
/// </summary>
[MemoryDiagnoser]
public class UpstreamSelectionBenchmarks
{
    private readonly List<Upstream> _tried = new(3);
    private ILoadBalancingPolicy _policy = null!;
    private UpstreamPool _pool = null!;

    public static IEnumerable<string> Strategies => LoadBalancingNames.All;

    [ParamsSource(nameof(Strategies))]
    public string Strategy { get; set; } = "";

    [Params(3, 50)]
    public int PoolSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _policy = LoadBalancingPolicyFactory.Create(Strategy);
        _pool = new UpstreamPool(Enumerable.Range(0, PoolSize).Select(CreateUpstream).ToArray());
    }

    [Benchmark]
    public Upstream? PickUpstream()
    {
        var random = Random.Shared;
        var context = new PickContext("alice", _tried, rampDraw: random.NextDouble(), random: random);
        return _policy.Pick(_pool, context);
    }

    /// <summary>
    /// A healthy upstream with mixed weights, open tunnels and latencies, so weighted, least-connections
    /// and least-latency have real comparisons to make instead of all ties.
    /// </summary>
    private static Upstream CreateUpstream(int index)
    {
        if (!UpstreamAddress.TryParse($"http://10.0.{index / 200}.{index % 200 + 1}:3128", out var address, out var error))
        {
            throw new InvalidOperationException(error);
        }
        var upstream = new Upstream(new UpstreamConfig { Url = address!, Name = $"upstream-{index}", Weight = 1 + index % 3 });
        upstream.RecordOutcome(success: true, failureThreshold: 3, recoveryThreshold: 1);
        upstream.Counters.AttemptStarted();
        upstream.Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(20 + index * 7 % 50));
        for (var i = 0; i < index % 5; i++)
        {
            upstream.Counters.ConnectionOpened();
        }
        return upstream;
    }
}
