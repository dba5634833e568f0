using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

public sealed class UpstreamHealthTests
{
    private static readonly TimeSpan SlowStart = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void RecordOutcome_FailuresUpToThreshold_TurnUnhealthyOnlyAtThreshold()
    {
        var upstream = TestUpstreams.Create("a", time: _clock);
        Assert.Null(upstream.RecordOutcome(false, 3, 1));
        Assert.Null(upstream.RecordOutcome(false, 3, 1));
        Assert.Equal(UpstreamHealth.Unhealthy, upstream.RecordOutcome(false, 3, 1));
        Assert.Null(upstream.RecordOutcome(false, 3, 1));
    }

    [Fact]
    public void RecordOutcome_ThresholdZero_NeverEjects()
    {
        var upstream = TestUpstreams.Create("a", time: _clock);
        for (var i = 0; i < 50; i++)
        {
            upstream.RecordOutcome(false, 0, 1);
        }
        Assert.NotEqual(UpstreamHealth.Unhealthy, upstream.Health);
    }

    [Fact]
    public void TryStartTrial_BackOffDoublesWithEachFailedTrial_OneTrialAtATime()
    {
        var upstream = TestUpstreams.Create("a", time: _clock);
        upstream.RecordOutcome(false, 1, 1);
        Assert.False(upstream.TryStartTrial()); // back-off not yet over

        var expectedWaits = new[] { 1, 2, 4, 8, 16, 32, 60, 60 };
        foreach (var wait in expectedWaits)
        {
            _clock.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            Assert.False(upstream.TryStartTrial());
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(upstream.TryStartTrial());
            Assert.False(upstream.TryStartTrial()); // half-open: a single trial in flight
            upstream.RecordOutcome(false, 1, 1);    // the trial failed: wait longer
        }
    }

    [Fact]
    public void RecordOutcome_SuccessfulTrials_RecoverAfterRecoveryThreshold()
    {
        var upstream = TestUpstreams.Create("a", time: _clock);
        upstream.RecordOutcome(false, 1, 3);
        _clock.Advance(TimeSpan.FromSeconds(1));
        for (var trial = 1; trial <= 3; trial++)
        {
            Assert.True(upstream.TryStartTrial()); // a good trial earns the next one at once
            var change = upstream.RecordOutcome(true, 1, 3);
            Assert.Equal(trial == 3 ? UpstreamHealth.Healthy : null, change);
        }
        Assert.False(upstream.TryStartTrial());
    }

    [Fact]
    public void RampFactor_AfterRecovery_RisesFromTenPercentToFullOverSlowStart()
    {
        var upstream = TestUpstreams.Create("a", time: _clock);
        Assert.Equal(1, upstream.RampFactor());
        upstream.RecordOutcome(false, 1, 1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(upstream.TryStartTrial());
        upstream.RecordOutcome(true, 1, 1, SlowStart);

        Assert.Equal(0.1, upstream.RampFactor(), 3);
        _clock.Advance(SlowStart / 2);
        Assert.Equal(0.5, upstream.RampFactor(), 3);
        _clock.Advance(SlowStart / 2);
        Assert.Equal(1, upstream.RampFactor());
    }

    [Fact]
    public void EffectiveWeight_NoSlowStart_FullWeightRightAfterRecovery()
    {
        var upstream = TestUpstreams.Create("a", weight: 4, time: _clock);
        upstream.RecordOutcome(false, 1, 1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(upstream.TryStartTrial());
        upstream.RecordOutcome(true, 1, 1);

        Assert.Equal(1, upstream.RampFactor());
        Assert.Equal(4, upstream.EffectiveWeight());
    }

    [Fact]
    public void EffectiveWeight_DuringSlowStart_WeightScaledByRamp()
    {
        var upstream = TestUpstreams.Create("a", weight: 4, time: _clock);
        upstream.RecordOutcome(false, 1, 1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(upstream.TryStartTrial());
        upstream.RecordOutcome(true, 1, 1, TimeSpan.FromSeconds(10));

        Assert.Equal(0.4, upstream.EffectiveWeight());
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, upstream.EffectiveWeight());
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(4, upstream.EffectiveWeight());
    }

    [Fact]
    public void Pick_DuringSlowStart_RecoveredUpstreamTakesAGrowingShare()
    {
        var steady = TestUpstreams.Create("steady", time: _clock);
        var recovered = TestUpstreams.Create("recovered", time: _clock);
        recovered.RecordOutcome(false, 1, 1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(recovered.TryStartTrial());
        recovered.RecordOutcome(true, 1, 1, SlowStart);
        var pool = TestUpstreams.Pool(steady, recovered);
        var policy = CyclePolicy.RoundRobin();
        var random = new Random(3);

        int ShareOfRecovered()
        {
            var count = 0;
            for (var i = 0; i < 1000; i++)
            {
                var context = new PickContext("k", rampDraw: random.NextDouble(), random: random);
                if (policy.Pick(pool, context) == recovered)
                {
                    count++;
                }
            }
            return count;
        }

        var early = ShareOfRecovered();
        _clock.Advance(SlowStart);
        var later = ShareOfRecovered();
        Assert.InRange(early, 20, 120);   // ~10% of its 50% share at first
        Assert.InRange(later, 450, 550);  // its full half once ramped
    }

    [Fact]
    public void IsEligible_UserPinnedToTag_OnlyThatTagEvenInPanic()
    {
        var us = TestUpstreams.Create("us-1", tag: "us", time: _clock);
        var eu = TestUpstreams.Create("eu-1", tag: "eu", time: _clock);
        TestUpstreams.MakeUnhealthy(us);
        var pool = TestUpstreams.Pool(us, eu);
        var policy = CyclePolicy.WeightedRoundRobin();

        Assert.Null(policy.Pick(pool, new PickContext("k", requiredTag: "us")));
        Assert.Same(us, policy.Pick(pool, new PickContext("k", requiredTag: "us").Panicking()));
        Assert.Same(eu, policy.Pick(pool, new PickContext("k", requiredTag: "EU")));
    }
}
