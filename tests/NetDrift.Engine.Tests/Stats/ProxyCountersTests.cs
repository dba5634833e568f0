using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Tests.Stats;

/// <summary>Proxy-wide client counters on a fake clock: totals, peaks (lifetime and last 15 minutes) and reset.</summary>
public sealed class ProxyCountersTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 10, 0, 20, TimeSpan.Zero);

    [Fact]
    public void Opened_ThreeAtOnceThenClosed_TotalThreePeakThree()
    {
        var counters = new ProxyCounters(new FakeTimeProvider(Start));

        counters.Opened();
        counters.Opened();
        counters.Opened();
        counters.Closed();
        counters.Closed();
        counters.Closed();

        Assert.Equal(3, counters.TotalConnections);
        Assert.Equal(0, counters.ActiveConnections);
        Assert.Equal(3, counters.PeakConcurrency);
        Assert.Equal(3, counters.RecentPeakConcurrency);
    }

    [Fact]
    public void RecentPeakConcurrency_PeakFifteenMinutesOld_ForgottenWhileLifetimePeakStays()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new ProxyCounters(clock);
        for (var i = 0; i < 4; i++)
        {
            counters.Opened();
        }
        for (var i = 0; i < 4; i++)
        {
            counters.Closed();
        }
        clock.Advance(TimeSpan.FromMinutes(5));
        counters.Opened();
        counters.Opened();
        counters.Closed();
        counters.Closed();

        // The 10:00 peak (4) counts until 10:15:00, then the 10:05 one (2) is the recent peak.
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 14, 10, 15, 0, TimeSpan.Zero).AddTicks(-1));
        Assert.Equal(4, counters.RecentPeakConcurrency);
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 14, 10, 15, 0, TimeSpan.Zero));
        Assert.Equal(2, counters.RecentPeakConcurrency);
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 14, 10, 20, 0, TimeSpan.Zero));
        Assert.Equal(0, counters.RecentPeakConcurrency);
        Assert.Equal(4, counters.PeakConcurrency);
    }

    [Fact]
    public void RecentPeakConcurrency_ConnectionOpenLongerThanTheWindow_AtLeastTheActiveCount()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new ProxyCounters(clock);
        counters.Opened();

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, counters.RecentPeakConcurrency);
    }

    [Fact]
    public void Reset_WithTwoOpen_ZeroesCountsKeepsActiveAndPeaksRestartFromIt()
    {
        var counters = new ProxyCounters(new FakeTimeProvider(Start));
        for (var i = 0; i < 5; i++)
        {
            counters.Opened();
        }
        for (var i = 0; i < 3; i++)
        {
            counters.Closed();
        }
        counters.AuthFailed();
        counters.Reject(RejectionCause.MaxConnections);

        counters.Reset();

        Assert.Equal(0, counters.TotalConnections);
        Assert.Equal(0, counters.AuthFailures);
        Assert.Equal(0, counters.Rejected);
        Assert.Equal(2, counters.ActiveConnections);
        Assert.Equal(2, counters.PeakConcurrency);
        Assert.Equal(2, counters.RecentPeakConcurrency);
    }

    [Fact]
    public async Task Opened_200TasksTimes1000_ExactTotalAndNoneLeftActive()
    {
        var counters = new ProxyCounters(new FakeTimeProvider(Start));

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                counters.Opened();
                if (i % 10 == 0)
                {
                    counters.AuthFailed();
                }
                counters.Closed();
            }
        })));

        Assert.Equal(200_000, counters.TotalConnections);
        Assert.Equal(20_000, counters.AuthFailures);
        Assert.Equal(0, counters.ActiveConnections);
        Assert.InRange(counters.PeakConcurrency, 1, 200);
        Assert.Equal(counters.PeakConcurrency, counters.RecentPeakConcurrency);
    }
}
