using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Balancing;

public sealed class StickyPolicyTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 2000).Select(i => $"user-{i}").ToArray();

    private static Dictionary<string, Upstream> Assign(UpstreamPool pool, IReadOnlyCollection<Upstream>? exclude = null)
    {
        var policy = new StickyPolicy();
        return Keys.ToDictionary(k => k, k => policy.Pick(pool, new PickContext(k, exclude))!);
    }

    private static Upstream[] Four() =>
        [TestUpstreams.Create("A"), TestUpstreams.Create("B"), TestUpstreams.Create("C"), TestUpstreams.Create("D")];

    [Fact]
    public void Pick_SameKey_SameUpstreamEveryTime()
    {
        var pool = TestUpstreams.Pool(Four());
        var first = new StickyPolicy().Pick(pool, new PickContext("alice"));

        Assert.NotNull(first);
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Same(first, new StickyPolicy().Pick(pool, new PickContext("alice"))));
    }

    [Fact]
    public void Pick_2000Keys_SpreadOverAll()
    {
        var upstreams = Four();

        var assignment = Assign(TestUpstreams.Pool(upstreams));

        foreach (var upstream in upstreams)
        {
            Assert.InRange(assignment.Values.Count(u => u == upstream), 380, 620);
        }
    }

    [Fact]
    public void Pick_Weighted_ShareFollowsWeight()
    {
        var heavy = TestUpstreams.Create("Heavy", 3);
        var light = TestUpstreams.Create("Light", 1);

        var assignment = Assign(TestUpstreams.Pool(heavy, light));

        Assert.InRange(assignment.Values.Count(u => u == heavy), 1350, 1650);
    }

    [Fact]
    public void Pick_OneUpstreamRemoved_OnlyItsKeysMove()
    {
        var upstreams = Four();
        var before = Assign(TestUpstreams.Pool(upstreams));
        var removed = upstreams[2];

        var after = Assign(TestUpstreams.Pool(upstreams.Where(u => u != removed).ToArray()));

        var moved = 0;
        foreach (var key in Keys)
        {
            if (before[key] == removed)
            {
                Assert.NotSame(removed, after[key]);
                moved++;
            }
            else
            {
                Assert.Same(before[key], after[key]);
            }
        }
        Assert.InRange(moved, 380, 620);
    }

    [Fact]
    public void Pick_OneUpstreamAdded_OnlyKeysGoingToItMove()
    {
        var upstreams = Four();
        var before = Assign(TestUpstreams.Pool(upstreams[..3]));

        var after = Assign(TestUpstreams.Pool(upstreams));

        var moved = Keys.Count(k => after[k] != before[k]);
        Assert.All(Keys.Where(k => after[k] != before[k]), k => Assert.Same(upstreams[3], after[k]));
        Assert.InRange(moved, 380, 620);
    }

    [Fact]
    public void Pick_UnhealthyOrExcluded_OnlyItsKeysMove()
    {
        var upstreams = Four();
        var before = Assign(TestUpstreams.Pool(upstreams));

        var excluded = Assign(TestUpstreams.Pool(upstreams), [upstreams[0]]);
        TestUpstreams.MakeUnhealthy(upstreams[0]);
        var unhealthy = Assign(TestUpstreams.Pool(upstreams));

        foreach (var key in Keys)
        {
            Assert.Same(excluded[key], unhealthy[key]);
            if (before[key] != upstreams[0])
            {
                Assert.Same(before[key], excluded[key]);
            }
        }
    }

    [Fact]
    public void Pick_NothingEligible_Null()
    {
        var a = TestUpstreams.Create("A", 0);

        Assert.Null(new StickyPolicy().Pick(TestUpstreams.Pool(a), new PickContext("k")));
        Assert.Null(new StickyPolicy().Pick(UpstreamPool.Empty, new PickContext("k")));
    }
}
