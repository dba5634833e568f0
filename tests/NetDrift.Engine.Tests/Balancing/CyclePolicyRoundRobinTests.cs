using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Balancing;

public sealed class CyclePolicyRoundRobinTests
{
    [Fact]
    public void Pick_DifferentWeights_IgnoresWeights()
    {
        var pool = TestUpstreams.Pool(TestUpstreams.Create("A", 5), TestUpstreams.Create("B", 1), TestUpstreams.Create("C", 2));
        var policy = CyclePolicy.RoundRobin();

        var names = string.Concat(Enumerable.Range(0, 9).Select(_ => policy.Pick(pool, new PickContext("k"))!.Name));

        Assert.Equal("ABCABCABC", names);
    }

    [Fact]
    public void Pick_WeightZeroOrDisabled_Skipped()
    {
        var pool = TestUpstreams.Pool(TestUpstreams.Create("A"), TestUpstreams.Create("B", 0), TestUpstreams.Create("C", enabled: false), TestUpstreams.Create("D"));
        var policy = CyclePolicy.RoundRobin();

        var names = Enumerable.Range(0, 100).Select(_ => policy.Pick(pool, new PickContext("k"))!.Name).ToArray();

        Assert.Equal(50, names.Count(n => n == "A"));
        Assert.Equal(50, names.Count(n => n == "D"));
    }

    [Fact]
    public void Pick_OneUnhealthy_RemainingSplitEvenly()
    {
        var pool = TestUpstreams.Pool(TestUpstreams.Create("A"), TestUpstreams.MakeUnhealthy(TestUpstreams.Create("B")), TestUpstreams.Create("C"));
        var policy = CyclePolicy.RoundRobin();

        var names = Enumerable.Range(0, 300).Select(_ => policy.Pick(pool, new PickContext("k"))!.Name).ToArray();

        Assert.Equal(150, names.Count(n => n == "A"));
        Assert.Equal(150, names.Count(n => n == "C"));
    }

    [Fact]
    public void Pick_Excluded_NeverPicked()
    {
        var a = TestUpstreams.Create("A");
        var b = TestUpstreams.Create("B");
        var pool = TestUpstreams.Pool(a, b);
        var policy = CyclePolicy.RoundRobin();

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Same(b, policy.Pick(pool, new PickContext("k", [a]))));
        Assert.Null(policy.Pick(pool, new PickContext("k", [a, b])));
        Assert.Null(policy.Pick(UpstreamPool.Empty, new PickContext("k")));
    }
}
