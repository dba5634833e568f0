using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Balancing;

/// <summary>The order of a pick: half-open trial, then the policy, then the policy without the ramp, then panic.</summary>
public sealed class UpstreamSelectorTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly UpstreamSelector _selector = new(NullLogger.Instance, new Random(7));
    private readonly ILoadBalancingPolicy _roundRobin = LoadBalancingPolicyFactory.Create(LoadBalancingNames.RoundRobin);

    private Upstream? Pick(UpstreamPool pool, out bool trial, string? tag = null, params Upstream[] tried) =>
        _selector.Pick(_roundRobin, pool, "client", tried, tag, out trial);

    [Fact]
    public void Pick_UnhealthyDueForTrial_GetsTheRequestBeforeHealthyOnes()
    {
        var healthy = TestUpstreams.Create("healthy", time: _clock);
        var sick = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("sick", time: _clock));
        var pool = TestUpstreams.Pool(healthy, sick);

        Assert.Same(healthy, Pick(pool, out var early));
        Assert.False(early);

        _clock.Advance(Upstream.TrialBackoffBase);
        Assert.Same(sick, Pick(pool, out var trial));
        Assert.True(trial);
        // Its one trial is in flight: the next request goes to the healthy one.
        Assert.Same(healthy, Pick(pool, out _));
    }

    [Fact]
    public void Pick_OnlyRampingUpstreamAndDrawAboveItsShare_StillPickedWithoutTheRamp()
    {
        var ramping = TestUpstreams.Create("ramping", time: _clock);
        TestUpstreams.MakeUnhealthy(ramping);
        ramping.RecordOutcome(true, 1, 1, TimeSpan.FromMinutes(10));
        Assert.Equal(Upstream.RampFloor, ramping.RampFactor());

        for (var i = 0; i < 20; i++)
        {
            Assert.Same(ramping, Pick(TestUpstreams.Pool(ramping), out var trial));
            Assert.False(trial);
        }
    }

    [Fact]
    public void Pick_AllUnhealthyNoneDue_PanicPicksTheLeastBadWithinTheTag()
    {
        var a = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("a", tag: "eu", time: _clock));
        var b = TestUpstreams.MakeUnhealthy(TestUpstreams.Create("b", tag: "us", time: _clock));
        var pool = TestUpstreams.Pool(a, b);

        Assert.Same(a, Pick(pool, out var trial, tag: "eu"));
        Assert.False(trial);
        Assert.Null(Pick(pool, out _, "eu", a));
    }
}
