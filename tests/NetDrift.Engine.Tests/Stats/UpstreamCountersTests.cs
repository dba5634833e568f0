using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Tests.Stats;

/// <summary>
/// One upstream's counters on a fake clock: the two windows, reset, failure causes, last error and
/// recording from many threads at once.
/// </summary>
public sealed class UpstreamCountersTests
{
    // 10:00:20 UTC: 20 s into a minute, so "the minute of the traffic" is 10:00.
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 10, 0, 20, TimeSpan.Zero);
    private static readonly DateTimeOffset TenOClock = new(2026, 3, 14, 10, 0, 0, TimeSpan.Zero);

    private static void Success(UpstreamCounters counters, int latencyMs = 10, long sent = 0, long received = 0)
    {
        counters.AttemptStarted();
        counters.ConnectionOpened();
        counters.AttemptSucceeded(TimeSpan.FromMilliseconds(latencyMs));
        counters.AddSent(sent);
        counters.AddReceived(received);
        counters.ConnectionClosed();
    }

    private static void Failure(UpstreamCounters counters, FailureCause cause, string message = "it failed")
    {
        counters.AttemptStarted();
        counters.ConnectionOpened();
        counters.AttemptFailed(cause, message);
        counters.ConnectionClosed();
    }

    [Fact]
    public void Snapshot_KnownTraffic_ExactCountsInBothWindows()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        Success(counters, 10, sent: 100, received: 1000);
        Success(counters, 30, sent: 5, received: 7);
        Failure(counters, FailureCause.Reset);

        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = counters.Snapshot(window);
            Assert.Equal(window, s.Window);
            Assert.Equal(3, s.Requests);
            Assert.Equal(2, s.Succeeded);
            Assert.Equal(1, s.Failed);
            Assert.Equal(s.Requests, s.Succeeded + s.Failed);
            Assert.Equal(105, s.BytesSent);
            Assert.Equal(1007, s.BytesReceived);
            Assert.Equal(40_000, s.LatencyTotalMicros);
            Assert.Equal(20, s.AvgLatencyMs);
            Assert.Equal(0.6667, s.SuccessRate);
            Assert.Equal(1, s.PeakConcurrency);
            Assert.Equal(0, s.ActiveConnections);
            Assert.Equal(Start, s.LastRequestAt);
        }
        Assert.Equal(MinuteRing.Length, counters.Snapshot(StatsWindow.Recent).WindowLength);
    }

    [Fact]
    public void Snapshot_NoTraffic_ZeroesAndNullPercentiles()
    {
        var counters = new UpstreamCounters(new FakeTimeProvider(Start));

        var s = counters.Snapshot(StatsWindow.Lifetime);

        Assert.Equal(0, s.Requests);
        Assert.Equal(0, s.SuccessRate);
        Assert.Equal(0, s.AvgLatencyMs);
        Assert.Null(s.P50LatencyMs);
        Assert.Null(s.P95LatencyMs);
        Assert.Null(s.P99LatencyMs);
        Assert.Null(s.LastError);
        Assert.Null(s.LastRequestAt);
    }

    [Fact]
    public void Snapshot_Lifetime_WindowLengthIsTimeSinceStart()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);

        clock.Advance(TimeSpan.FromMinutes(42));

        Assert.Equal(TimeSpan.FromMinutes(42), counters.Snapshot(StatsWindow.Lifetime).WindowLength);
    }

    [Fact]
    public void Snapshot_ClockMovesMinuteByMinute_RecentForgetsExactlyFifteenMinutesAfterTheTrafficsMinute()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        Success(counters, 25, sent: 10, received: 20);
        Failure(counters, FailureCause.Timeout);

        // Still seen at every minute up to 10:14:59.999...
        for (var minute = 1; minute < MinuteRing.Minutes; minute++)
        {
            clock.SetUtcNow(TenOClock.AddMinutes(minute));
            AssertRecent(requests: 2, failed: 1, sent: 10);
            clock.SetUtcNow(TenOClock.AddMinutes(minute + 1).AddTicks(-1));
            AssertRecent(requests: 2, failed: 1, sent: 10);
        }

        // ...and gone at 10:15:00 exactly, while the lifetime keeps it.
        clock.SetUtcNow(TenOClock.AddMinutes(15));
        AssertRecent(requests: 0, failed: 0, sent: 0);
        Assert.Null(counters.Snapshot(StatsWindow.Recent).P50LatencyMs);
        var lifetime = counters.Snapshot(StatsWindow.Lifetime);
        Assert.Equal((2L, 1L, 1L, 10L), (lifetime.Requests, lifetime.Succeeded, lifetime.Failed, lifetime.BytesSent));
        Assert.NotNull(lifetime.P50LatencyMs);

        void AssertRecent(long requests, long failed, long sent)
        {
            var recent = counters.Snapshot(StatsWindow.Recent);
            var at = clock.GetUtcNow();
            Assert.True(requests == recent.Requests, $"at {at:HH:mm:ss.fff}: {recent.Requests} requests, expected {requests}");
            Assert.True(failed == recent.Failed, $"at {at:HH:mm:ss.fff}: {recent.Failed} failed, expected {failed}");
            Assert.True(failed == recent.FailedBy[FailureCause.Timeout], $"at {at:HH:mm:ss.fff}: {recent.FailedBy[FailureCause.Timeout]} timeouts, expected {failed}");
            Assert.True(sent == recent.BytesSent, $"at {at:HH:mm:ss.fff}: {recent.BytesSent} bytes sent, expected {sent}");
        }
    }

    [Fact]
    public void Snapshot_TrafficEveryMinute_RecentDropsTheRightMinuteEachMinute()
    {
        var clock = new FakeTimeProvider(TenOClock);
        var counters = new UpstreamCounters(clock);
        // Minute i (10:00 + i) sees i + 1 attempts, minutes 0..19.
        for (var i = 0; i < 20; i++)
        {
            clock.SetUtcNow(TenOClock.AddMinutes(i).AddSeconds(30));
            for (var n = 0; n <= i; n++)
            {
                Success(counters);
            }
            // The window holds minutes max(0, i - 14)..i.
            var expected = Enumerable.Range(Math.Max(0, i - 14), Math.Min(i + 1, 15)).Sum(m => m + 1L);
            Assert.Equal(expected, counters.Snapshot(StatsWindow.Recent).Requests);
            Assert.Equal(expected, counters.Snapshot(StatsWindow.Recent).Succeeded);
        }
        Assert.Equal(Enumerable.Range(1, 20).Sum(), counters.Snapshot(StatsWindow.Lifetime).Requests);
    }

    [Fact]
    public void Timeline_TrafficInTwoMinutes_PerMinuteRequestsAndFailures()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        Success(counters);
        Failure(counters, FailureCause.Refused);
        clock.Advance(TimeSpan.FromMinutes(3));
        Failure(counters, FailureCause.Auth);

        var timeline = counters.Timeline();

        Assert.Equal(MinuteRing.Minutes, timeline.Length);
        Assert.Equal((2L, 1L), (timeline[11].Requests, timeline[11].Failed));
        Assert.Equal((1L, 1L), (timeline[14].Requests, timeline[14].Failed));
        Assert.Equal(3, timeline.Sum(t => t.Requests));
    }

    [Fact]
    public void AttemptFailed_EachCause_CountedUnderThatCause()
    {
        var counters = new UpstreamCounters(new FakeTimeProvider(Start));
        var causes = Enum.GetValues<FailureCause>();
        for (var i = 0; i < causes.Length; i++)
        {
            for (var n = 0; n <= i; n++)
            {
                Failure(counters, causes[i]);
            }
        }

        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = counters.Snapshot(window);
            for (var i = 0; i < causes.Length; i++)
            {
                Assert.Equal(i + 1, s.FailedBy[causes[i]]);
            }
            Assert.Equal(s.Failed, s.FailedBy.Values.Sum());
            Assert.Equal(0, s.Succeeded);
            Assert.Equal(0, s.SuccessRate);
        }
    }

    [Fact]
    public void AttemptFailed_Twice_LastErrorIsTheLatestWithItsTime()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        Failure(counters, FailureCause.Refused, "connect failed: ConnectionRefused");
        clock.Advance(TimeSpan.FromSeconds(90));
        Failure(counters, FailureCause.UpstreamStatus, "answered 502");
        clock.Advance(TimeSpan.FromSeconds(5));
        Success(counters); // a later success does not clear the last error

        var error = counters.LastError;
        Assert.NotNull(error);
        Assert.Contains("answered 502", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(FailureCause.UpstreamStatus), error.Message, StringComparison.Ordinal);
        Assert.Equal(Start.AddSeconds(90), error.At);
        Assert.Equal(error, counters.Snapshot(StatsWindow.Lifetime).LastError);
        Assert.Equal(error, counters.Snapshot(StatsWindow.Recent).LastError);
        Assert.Equal(Start.AddSeconds(95), counters.Snapshot(StatsWindow.Lifetime).LastRequestAt);
    }

    [Fact]
    public void ConnectionOpened_ThreeAtOnce_PeakThreeAfterTheyClose()
    {
        var counters = new UpstreamCounters(new FakeTimeProvider(Start));
        Assert.Equal(1, counters.ConnectionOpened());
        Assert.Equal(2, counters.ConnectionOpened());
        Assert.Equal(3, counters.ConnectionOpened());
        counters.ConnectionClosed();
        counters.ConnectionClosed();
        counters.ConnectionOpened();
        counters.ConnectionClosed();
        counters.ConnectionClosed();

        Assert.Equal(0, counters.ActiveConnections);
        Assert.Equal(3, counters.Snapshot(StatsWindow.Lifetime).PeakConcurrency);
        Assert.Equal(3, counters.Snapshot(StatsWindow.Recent).PeakConcurrency);
    }

    [Fact]
    public void Snapshot_ConnectionHeldOpenPastTheWindow_RecentPeakStillCountsIt()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        counters.ConnectionOpened();
        counters.ConnectionOpened();
        counters.ConnectionClosed();

        clock.Advance(TimeSpan.FromMinutes(20));

        // The opening minute has left the window, but one connection has been open all along.
        var recent = counters.Snapshot(StatsWindow.Recent);
        Assert.Equal(1, recent.ActiveConnections);
        Assert.Equal(1, recent.PeakConcurrency);
        Assert.Equal(2, counters.Snapshot(StatsWindow.Lifetime).PeakConcurrency);
    }

    [Fact]
    public void Reset_WithTwoOpen_ZeroesBothWindowsAndPeakRestartsFromActive()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        for (var i = 0; i < 5; i++)
        {
            counters.ConnectionOpened();
        }
        for (var i = 0; i < 3; i++)
        {
            counters.ConnectionClosed();
        }
        Success(counters, 40, sent: 111, received: 222);
        Failure(counters, FailureCause.Timeout);
        clock.Advance(TimeSpan.FromSeconds(10));

        counters.Reset();

        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = counters.Snapshot(window);
            Assert.Equal(0, s.Requests);
            Assert.Equal(0, s.Succeeded);
            Assert.Equal(0, s.Failed);
            Assert.All(s.FailedBy.Values, count => Assert.Equal(0, count));
            Assert.Equal(0, s.BytesSent);
            Assert.Equal(0, s.BytesReceived);
            Assert.Equal(0, s.LatencyTotalMicros);
            Assert.Equal(0, s.AvgLatencyMs);
            Assert.Null(s.P50LatencyMs);
            Assert.Null(s.P99LatencyMs);
            Assert.Equal(2, s.ActiveConnections);
            Assert.True(2 == s.PeakConcurrency, $"{window}: PeakConcurrency {s.PeakConcurrency} after a reset with 2 open");
            Assert.Null(s.LastError);
        }
        Assert.Equal(0, counters.Requests);
        Assert.Equal(0, counters.BytesSent);
        Assert.Equal(2, counters.ActiveConnections);
        Assert.Equal(TimeSpan.Zero, counters.Snapshot(StatsWindow.Lifetime).WindowLength);
    }

    [Fact]
    public void Reset_ThenNewTraffic_CountedFromZeroWhileMonotonicKeepsGrowing()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        Success(counters, 10, sent: 100, received: 200);
        Failure(counters, FailureCause.Reset);
        var before = counters.Monotonic();

        counters.Reset();
        var atReset = counters.Monotonic();
        Success(counters, 20, sent: 1, received: 2);
        Failure(counters, FailureCause.Reset);
        Failure(counters, FailureCause.Auth);

        Assert.Equal((2L, 1L, 1L, 100L, 200L), (before.Requests, before.Succeeded, before.Failed, before.BytesSent, before.BytesReceived));
        Assert.Equal(before.Requests, atReset.Requests); // a reset takes nothing off the raw counters
        var after = counters.Monotonic();
        Assert.Equal((5L, 2L, 3L, 101L, 202L), (after.Requests, after.Succeeded, after.Failed, after.BytesSent, after.BytesReceived));
        Assert.Equal(2, after.FailedBy[(int)FailureCause.Reset]);
        Assert.Equal(30_000, after.LatencyMicros);
        Assert.Equal(2, after.LatencyBuckets.Sum());

        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = counters.Snapshot(window);
            Assert.Equal((3L, 1L, 2L, 1L, 2L), (s.Requests, s.Succeeded, s.Failed, s.BytesSent, s.BytesReceived));
            Assert.Equal(1, s.FailedBy[FailureCause.Reset]);
            Assert.Equal(1, s.FailedBy[FailureCause.Auth]);
            Assert.Equal(20, s.AvgLatencyMs);
            Assert.InRange(s.P50LatencyMs!.Value, 20 * 0.875, 20 * 1.125);
        }
    }

    [Fact]
    public void Reset_TrafficInEarlierMinutes_RecentWindowForgetsItToo()
    {
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        Success(counters);
        clock.Advance(TimeSpan.FromMinutes(3));
        Success(counters);
        clock.Advance(TimeSpan.FromMinutes(3));

        counters.Reset();
        clock.Advance(TimeSpan.FromMinutes(1));
        Success(counters);

        Assert.Equal(1, counters.Snapshot(StatsWindow.Recent).Requests);
        Assert.Equal(1, counters.Snapshot(StatsWindow.Lifetime).Requests);
    }

    [Fact]
    public async Task Record_200TasksTimes1000Mixed_ExactTotalsInBothWindows()
    {
        const int Tasks = 200, PerTask = 1000;
        var clock = new FakeTimeProvider(Start);
        var counters = new UpstreamCounters(clock);
        var causes = Enum.GetValues<FailureCause>();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            await go.Task;
            for (var i = 0; i < PerTask; i++)
            {
                counters.AttemptStarted();
                counters.ConnectionOpened();
                if (i % 4 == 3)
                {
                    counters.AttemptFailed(causes[i % causes.Length], "boom");
                }
                else
                {
                    counters.AttemptSucceeded(TimeSpan.FromMicroseconds(1 + i % 100));
                    counters.AddSent(i % 7 + 1);
                    counters.AddReceived(i % 11 + 1);
                }
                counters.ConnectionClosed();
                if (i % 100 == 0)
                {
                    await Task.Yield(); // interleave the tasks more
                }
            }
        })).ToArray();
        go.SetResult();
        await Task.WhenAll(workers);

        // What one task records, times the task count.
        long succeeded = 0, failed = 0, sent = 0, received = 0, latency = 0;
        var byCause = new long[causes.Length];
        for (var i = 0; i < PerTask; i++)
        {
            if (i % 4 == 3)
            {
                failed++;
                byCause[i % causes.Length]++;
            }
            else
            {
                succeeded++;
                sent += i % 7 + 1;
                received += i % 11 + 1;
                latency += 1 + i % 100;
            }
        }
        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = counters.Snapshot(window);
            Assert.Equal(Tasks * PerTask, s.Requests);
            Assert.Equal(Tasks * succeeded, s.Succeeded);
            Assert.Equal(Tasks * failed, s.Failed);
            Assert.Equal(s.Requests, s.Succeeded + s.Failed);
            for (var c = 0; c < causes.Length; c++)
            {
                Assert.Equal(Tasks * byCause[c], s.FailedBy[causes[c]]);
            }
            Assert.Equal(Tasks * sent, s.BytesSent);
            Assert.Equal(Tasks * received, s.BytesReceived);
            Assert.Equal(Tasks * latency, s.LatencyTotalMicros);
            Assert.Equal(0, s.ActiveConnections);
            Assert.InRange(s.PeakConcurrency, 1, Tasks);
        }
        var raw = counters.Monotonic();
        Assert.Equal(Tasks * succeeded, raw.LatencyBuckets.Sum());
    }
}
