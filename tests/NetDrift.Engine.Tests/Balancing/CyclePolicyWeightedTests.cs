using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Balancing;

public sealed class CyclePolicyWeightedTests
{
    private static Dictionary<string, int> Count(ILoadBalancingPolicy policy, UpstreamPool pool, int picks, PickContext context)
    {
        var counts = pool.All.ToDictionary(u => u.Name, _ => 0);
        for (var i = 0; i < picks; i++)
        {
            var picked = policy.Pick(pool, context);
            Assert.NotNull(picked);
            counts[picked.Name]++;
        }
        return counts;
    }

    private static (UpstreamPool Pool, Upstream A, Upstream B, Upstream C) Pool311()
    {
        var a = TestUpstreams.Create("A", 3);
        var b = TestUpstreams.Create("B", 1);
        var c = TestUpstreams.Create("C", 1);
        return (TestUpstreams.Pool(a, b, c), a, b, c);
    }

    [Fact]
    public void Pick_Weights311_500PicksExactly300To100To100()
    {
        var (pool, _, _, _) = Pool311();

        var counts = Count(CyclePolicy.WeightedRoundRobin(), pool, 500, new PickContext("k"));

        Assert.Equal(new Dictionary<string, int> { ["A"] = 300, ["B"] = 100, ["C"] = 100 }, counts);
    }

    [Fact]
    public void Pick_Weights311_InterleavedABACARepeating()
    {
        var (pool, _, _, _) = Pool311();
        var policy = CyclePolicy.WeightedRoundRobin();

        var names = string.Concat(Enumerable.Range(0, 15).Select(_ => policy.Pick(pool, new PickContext("k"))!.Name));

        Assert.Equal("ABACAABACAABACA", names);
    }

    [Fact]
    public void Pick_Excluded_NeverPickedAndOthersKeepTheirShares()
    {
        var (pool, _, b, _) = Pool311();

        var counts = Count(CyclePolicy.WeightedRoundRobin(), pool, 400, new PickContext("k", [b]));

        Assert.Equal(0, counts["B"]);
        Assert.Equal(300, counts["A"]);
        Assert.Equal(100, counts["C"]);
    }

    [Fact]
    public void Pick_Unhealthy_SkippedAndOthersKeepTheirShares()
    {
        var (pool, _, b, _) = Pool311();
        TestUpstreams.MakeUnhealthy(b);

        var counts = Count(CyclePolicy.WeightedRoundRobin(), pool, 400, new PickContext("k"));

        Assert.Equal(new Dictionary<string, int> { ["A"] = 300, ["B"] = 0, ["C"] = 100 }, counts);
    }

    [Fact]
    public void Pick_EqualWeightsOneUnhealthy_RemainingSplitEvenly()
    {
        var a = TestUpstreams.Create("A");
        var b = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("B"));
        var c = TestUpstreams.Create("C");

        var counts = Count(CyclePolicy.WeightedRoundRobin(), TestUpstreams.Pool(a, b, c), 300, new PickContext("k"));

        Assert.Equal(new Dictionary<string, int> { ["A"] = 150, ["B"] = 0, ["C"] = 150 }, counts);
    }

    [Fact]
    public void Pick_UnhealthyWithAllowUnhealthy_PickedAgain()
    {
        var a = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("A"));

        Assert.Null(CyclePolicy.WeightedRoundRobin().Pick(TestUpstreams.Pool(a), new PickContext("k")));
        Assert.Same(a, CyclePolicy.WeightedRoundRobin().Pick(TestUpstreams.Pool(a), new PickContext("k", allowUnhealthy: true)));
    }

    [Fact]
    public void Pick_RecoveredUpstream_BackInRotation()
    {
        var (pool, _, b, _) = Pool311();
        TestUpstreams.MakeUnhealthy(b);
        b.RecordOutcome(true, 1, 1);

        var counts = Count(CyclePolicy.WeightedRoundRobin(), pool, 500, new PickContext("k"));

        Assert.Equal(UpstreamHealth.Healthy, b.Health);
        Assert.Equal(100, counts["B"]);
    }

    [Fact]
    public void Pick_DrainingUpstream_Skipped()
    {
        var (_, a, b, c) = Pool311();
        b.MarkDraining();

        var counts = Count(CyclePolicy.WeightedRoundRobin(), new UpstreamPool([a, b, c]), 400, new PickContext("k"));

        Assert.Equal(UpstreamState.Draining, b.State);
        Assert.Equal(0, counts["B"]);
        Assert.Equal(300, counts["A"]);
        Assert.Equal(100, counts["C"]);
    }

    [Fact]
    public void Pick_NothingEligible_Null()
    {
        var (pool, a, b, c) = Pool311();
        var policy = CyclePolicy.WeightedRoundRobin();

        Assert.Null(policy.Pick(pool, new PickContext("k", [a, b, c])));
        Assert.Null(policy.Pick(UpstreamPool.Empty, new PickContext("k")));
        Assert.Null(policy.Pick(TestUpstreams.Pool(TestUpstreams.Create("Z", 0)), new PickContext("k")));
        Assert.Null(policy.Pick(TestUpstreams.Pool(TestUpstreams.Create("Z", enabled: false)), new PickContext("k", allowUnhealthy: true)));
        TestUpstreams.MakeUnhealthy(a);
        TestUpstreams.MakeUnhealthy(b);
        TestUpstreams.MakeUnhealthy(c);
        Assert.Null(policy.Pick(pool, new PickContext("k")));
    }

    [Fact(Timeout = 20_000)]
    public async Task Pick_FourThreadsTenThousandEach_ExactProportions()
    {
        var (pool, _, _, _) = Pool311();
        var policy = CyclePolicy.WeightedRoundRobin();
        var counts = new int[3];
        var index = new Dictionary<Upstream, int> { [pool.All[0]] = 0, [pool.All[1]] = 1, [pool.All[2]] = 2 };
        using var start = new Barrier(4);

        // Dedicated threads: four blocked on the barrier would starve a small thread pool.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            var local = new int[3];
            start.SignalAndWait();
            for (var i = 0; i < 10_000; i++)
            {
                local[index[policy.Pick(pool, new PickContext("k"))!]]++;
            }
            for (var i = 0; i < 3; i++)
            {
                Interlocked.Add(ref counts[i], local[i]);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        Assert.Equal([24_000, 8_000, 8_000], counts);
    }

    [Fact(Timeout = 20_000)]
    public async Task Pick_ConcurrentWithOneIneligible_NeverNull()
    {
        var a = TestUpstreams.Create("A");
        var b = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("B"));
        var pool = TestUpstreams.Pool(a, b);
        var policy = CyclePolicy.WeightedRoundRobin();
        var nulls = 0;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                if (policy.Pick(pool, new PickContext("k")) is null)
                {
                    Interlocked.Increment(ref nulls);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        Assert.Equal(0, nulls);
    }
}
