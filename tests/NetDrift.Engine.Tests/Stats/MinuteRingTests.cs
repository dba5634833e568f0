using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Tests.Stats;

/// <summary>The sliding 15-minute window: one cell per wall-clock minute, forgotten exactly on the minute.</summary>
public sealed class MinuteRingTests
{
    // 10:00:00 UTC: minute boundaries are easy to read off.
    private static readonly DateTimeOffset TenOClock = new(2026, 3, 14, 10, 0, 0, TimeSpan.Zero);

    private static long Requests(MinuteRing ring, DateTimeOffset now)
    {
        var totals = new StatsTotals();
        ring.AddTo(totals, now);
        return totals.Requests;
    }

    private static void Record(MinuteRing ring, DateTimeOffset at, int requests = 1)
    {
        var cell = ring.CellFor(at);
        for (var i = 0; i < requests; i++)
        {
            Interlocked.Increment(ref cell.Requests);
        }
    }

    [Fact]
    public void CellFor_SameMinute_SameCell()
    {
        var ring = new MinuteRing();

        Assert.Same(ring.CellFor(TenOClock), ring.CellFor(TenOClock.AddSeconds(59.999)));
        Assert.NotSame(ring.CellFor(TenOClock), ring.CellFor(TenOClock.AddMinutes(1)));
    }

    [Fact]
    public void CellFor_SameSlotFifteenMinutesLater_StartsFromZero()
    {
        var ring = new MinuteRing();
        Record(ring, TenOClock.AddSeconds(30), 5);

        var reused = ring.CellFor(TenOClock.AddMinutes(15).AddSeconds(1));

        Assert.Same(ring.CellFor(TenOClock), reused); // the same slot, round-robin...
        Assert.Equal(0, reused.Requests);             // ...but cleared for its new minute
    }

    [Fact]
    public void AddTo_TrafficInOneMinute_CountedUntilFifteenMinutesAfterItsMinuteThenForgotten()
    {
        var ring = new MinuteRing();
        Record(ring, TenOClock.AddSeconds(20), 3);

        for (var minute = 0; minute < MinuteRing.Minutes; minute++)
        {
            var start = TenOClock.AddMinutes(minute);
            Assert.Equal(3, Requests(ring, start));
            Assert.Equal(3, Requests(ring, start.AddSeconds(59.999)));
        }
        Assert.Equal(3, Requests(ring, TenOClock.AddMinutes(15).AddTicks(-1)));
        Assert.Equal(0, Requests(ring, TenOClock.AddMinutes(15)));
        Assert.Equal(0, Requests(ring, TenOClock.AddMinutes(16)));
        Assert.Equal(0, Requests(ring, TenOClock.AddHours(3)));
    }

    [Fact]
    public void AddTo_DifferentCountEachMinute_EachMinuteDropsOutAtItsOwnTime()
    {
        var ring = new MinuteRing();
        // Minute i (10:00 + i) gets i + 1 requests: 1 + 2 + ... + 15 = 120 in all.
        for (var i = 0; i < MinuteRing.Minutes; i++)
        {
            Record(ring, TenOClock.AddMinutes(i).AddSeconds(45), i + 1);
        }
        Assert.Equal(120, Requests(ring, TenOClock.AddMinutes(14).AddSeconds(50)));

        var expected = 120L;
        for (var j = 0; j < MinuteRing.Minutes; j++)
        {
            // At 10:15 + j the minute 10:00 + j has just left the window.
            expected -= j + 1;
            Assert.Equal(expected + j + 1, Requests(ring, TenOClock.AddMinutes(15 + j).AddTicks(-1)));
            Assert.Equal(expected, Requests(ring, TenOClock.AddMinutes(15 + j)));
        }
        Assert.Equal(0, expected);
    }

    [Fact]
    public void AddTo_NewTrafficInReusedSlot_OnlyNewTrafficCounted()
    {
        var ring = new MinuteRing();
        Record(ring, TenOClock, 7);
        Record(ring, TenOClock.AddMinutes(15).AddSeconds(5), 2); // same slot, 15 minutes on

        Assert.Equal(2, Requests(ring, TenOClock.AddMinutes(15).AddSeconds(6)));
    }

    [Fact]
    public void AddTo_TrafficInTheFuture_NotCounted()
    {
        var ring = new MinuteRing();
        Record(ring, TenOClock.AddMinutes(5), 4);

        Assert.Equal(0, Requests(ring, TenOClock.AddMinutes(4)));
        Assert.Equal(4, Requests(ring, TenOClock.AddMinutes(5)));
    }

    [Fact]
    public void AddTo_AllFields_Summed()
    {
        var ring = new MinuteRing();
        var first = ring.CellFor(TenOClock);
        first.Requests = 2; first.Succeeded = 1; first.Failed = 1; first.FailedBy[(int)FailureCause.Reset] = 1;
        first.BytesSent = 10; first.BytesReceived = 20; first.LatencyMicros = 5_000; first.PeakConcurrency = 3;
        first.Latency.Record(5_000);
        var second = ring.CellFor(TenOClock.AddMinutes(1));
        second.Requests = 1; second.Succeeded = 1; second.BytesSent = 1; second.BytesReceived = 2; second.LatencyMicros = 7_000;
        second.PeakConcurrency = 2;
        second.Latency.Record(7_000);

        var totals = new StatsTotals();
        ring.AddTo(totals, TenOClock.AddMinutes(1));

        Assert.Equal(3, totals.Requests);
        Assert.Equal(2, totals.Succeeded);
        Assert.Equal(1, totals.Failed);
        Assert.Equal(1, totals.FailedBy[(int)FailureCause.Reset]);
        Assert.Equal(11, totals.BytesSent);
        Assert.Equal(22, totals.BytesReceived);
        Assert.Equal(12_000, totals.LatencyMicros);
        Assert.Equal(3, totals.PeakConcurrency); // a peak is the max, not a sum
        Assert.Equal(2, totals.LatencyBuckets.Sum());
    }

    [Fact]
    public void Timeline_FifteenMinutes_OldestFirstWithEachMinutesCounts()
    {
        var ring = new MinuteRing();
        Record(ring, TenOClock.AddMinutes(2), 4);
        Interlocked.Increment(ref ring.CellFor(TenOClock.AddMinutes(2)).Failed);
        Record(ring, TenOClock.AddMinutes(14).AddSeconds(59), 1);
        var now = TenOClock.AddMinutes(14).AddSeconds(59);

        var timeline = ring.Timeline(now);

        Assert.Equal(MinuteRing.Minutes, timeline.Length);
        var first = MinuteRing.MinuteOf(TenOClock);
        Assert.Equal(Enumerable.Range(0, MinuteRing.Minutes).Select(i => first + i), timeline.Select(t => t.Minute));
        Assert.Equal((4L, 1L), (timeline[2].Requests, timeline[2].Failed));
        Assert.Equal((1L, 0L), (timeline[14].Requests, timeline[14].Failed));
        Assert.Equal(5, timeline.Sum(t => t.Requests));

        // A minute later the 10:00 slot is the oldest no longer: everything shifts left by one.
        var later = ring.Timeline(now.AddMinutes(1));
        Assert.Equal(first + 1, later[0].Minute);
        Assert.Equal(4, later[1].Requests);
        Assert.Equal(0, later[14].Requests);
    }

    [Fact]
    public void Clear_AfterTraffic_ZeroesEveryCellButKeepsRecording()
    {
        var ring = new MinuteRing();
        Record(ring, TenOClock, 3);
        Record(ring, TenOClock.AddMinutes(1), 4);

        ring.Clear();
        Assert.Equal(0, Requests(ring, TenOClock.AddMinutes(1)));

        Record(ring, TenOClock.AddMinutes(1), 2);
        Assert.Equal(2, Requests(ring, TenOClock.AddMinutes(1)));
    }
}
