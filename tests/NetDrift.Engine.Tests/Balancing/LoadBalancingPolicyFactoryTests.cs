using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Balancing;

public sealed class LoadBalancingPolicyFactoryTests
{
    [Fact]
    public void Create_EveryConfiguredName_PolicyWithThatName()
    {
        foreach (var name in LoadBalancingNames.All)
        {
            Assert.Equal(name, LoadBalancingPolicyFactory.Create(name).Name);
        }
    }

    [Fact]
    public void Create_UnknownName_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadBalancingPolicyFactory.Create("random"));
    }

    [Fact]
    public void LeastLatency_Pick_UnmeasuredFirstThenFastest()
    {
        var slow = TestUpstreams.Create("Slow");
        var fast = TestUpstreams.Create("Fast");
        var fresh = TestUpstreams.Create("Fresh");
        slow.Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(40));
        fast.Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(5));
        var policy = new LeastLatencyPolicy();
        var random = new Random(7);

        // Two random candidates, the faster wins: the slowest of three is never picked, and the
        // unmeasured one (counted as fastest) wins every pair it is in.
        var picks = Enumerable.Range(0, 300).Select(_ => policy.Pick(TestUpstreams.Pool(slow, fast, fresh), new PickContext("k", random: random))).ToArray();
        Assert.DoesNotContain(slow, picks);
        Assert.InRange(picks.Count(p => p == fresh), 150, 250);
        Assert.Contains(fast, picks);
        Assert.Same(fast, policy.Pick(TestUpstreams.Pool(slow, fast), new PickContext("k", random: random)));
        Assert.Same(slow, policy.Pick(TestUpstreams.Pool(slow, fast), new PickContext("k", [fast])));
    }
}
