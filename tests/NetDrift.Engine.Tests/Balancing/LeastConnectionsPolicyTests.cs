using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Balancing;

public sealed class LeastConnectionsPolicyTests
{
    private static void Open(Upstream upstream, int count)
    {
        for (var i = 0; i < count; i++)
        {
            upstream.Counters.ConnectionOpened();
        }
    }

    [Fact]
    public void Pick_DifferentLoads_FewestActive()
    {
        var a = TestUpstreams.Create("A");
        var b = TestUpstreams.Create("B");
        var c = TestUpstreams.Create("C");
        Open(a, 3);
        Open(c, 1);
        var policy = new LeastConnectionsPolicy();

        Assert.All(Enumerable.Range(0, 6), _ => Assert.Same(b, policy.Pick(TestUpstreams.Pool(a, b, c), new PickContext("k"))));
    }

    [Fact]
    public void Pick_LoadChanges_FollowsTheLoad()
    {
        var a = TestUpstreams.Create("A");
        var b = TestUpstreams.Create("B");
        var pool = TestUpstreams.Pool(a, b);
        var policy = new LeastConnectionsPolicy();

        for (var i = 0; i < 10; i++)
        {
            // Each pick opens a connection on what it picked: the two stay within one of each other.
            policy.Pick(pool, new PickContext("k"))!.Counters.ConnectionOpened();
            Assert.InRange(Math.Abs(a.Counters.ActiveConnections - b.Counters.ActiveConnections), 0, 1);
        }
        Assert.Equal(5, a.Counters.ActiveConnections);
        Assert.Equal(5, b.Counters.ActiveConnections);
    }

    [Fact]
    public void Pick_Weighted_LoadPerUnitOfWeight()
    {
        var heavy = TestUpstreams.Create("Heavy", 4);
        var light = TestUpstreams.Create("Light", 1);
        Open(heavy, 3);  // 0.75 per unit
        Open(light, 1);  // 1 per unit

        Assert.Same(heavy, new LeastConnectionsPolicy().Pick(TestUpstreams.Pool(heavy, light), new PickContext("k")));
    }

    [Fact]
    public void Pick_AllIdle_TiesSpreadOverAll()
    {
        var pool = TestUpstreams.Pool(TestUpstreams.Create("A"), TestUpstreams.Create("B"), TestUpstreams.Create("C"));
        var policy = new LeastConnectionsPolicy();

        var names = Enumerable.Range(0, 30).Select(_ => policy.Pick(pool, new PickContext("k"))!.Name).ToArray();

        Assert.Equal(10, names.Count(n => n == "A"));
        Assert.Equal(10, names.Count(n => n == "B"));
        Assert.Equal(10, names.Count(n => n == "C"));
    }

    [Fact]
    public void Pick_FewestIsIneligible_NextFewest()
    {
        var a = TestUpstreams.Create("A");
        var b = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("B"));
        var c = TestUpstreams.Create("C");
        var d = TestUpstreams.Create("D", 0);
        Open(a, 2);
        Open(c, 1);
        var policy = new LeastConnectionsPolicy();

        Assert.Same(c, policy.Pick(TestUpstreams.Pool(a, b, c, d), new PickContext("k")));
        Assert.Same(a, policy.Pick(TestUpstreams.Pool(a, b, c, d), new PickContext("k", [c])));
        Assert.Null(policy.Pick(TestUpstreams.Pool(a, b, c, d), new PickContext("k", [a, c])));
        Assert.Null(policy.Pick(UpstreamPool.Empty, new PickContext("k")));
    }
}
