namespace NetDrift.Engine.Stats;

/// <summary>
/// The sliding 15-minute window: 15 cells, one per wall-clock minute, reused round-robin. A cell
/// stamped with an older minute is cleared before its first use in the new one; that happens once
/// a minute per cell, under a lock, so the per-record path stays a volatile read plus Interlocked.
/// Reading sums the cells of the last 15 minutes, so old traffic drops out exactly on the minute.
/// </summary>
internal sealed class MinuteRing
{
    public const int Minutes = 15;
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(Minutes);

    private readonly StatsCell[] _cells = new StatsCell[Minutes];
    private readonly long[] _stamps = new long[Minutes];
    private readonly object _rotate = new();

    public MinuteRing()
    {
        for (var i = 0; i < Minutes; i++)
        {
            _cells[i] = new StatsCell();
            _stamps[i] = long.MinValue;
        }
    }

    public static long MinuteOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMinute;

    /// <summary>The cell to record into at <paramref name="now"/>.</summary>
    public StatsCell CellFor(DateTimeOffset now)
    {
        var minute = MinuteOf(now);
        var slot = (int)(minute % Minutes);
        if (Volatile.Read(ref _stamps[slot]) == minute)
        {
            return _cells[slot];
        }
        lock (_rotate)
        {
            if (_stamps[slot] != minute)
            {
                // Clear first, then publish the new stamp: a recorder that sees the stamp sees zeros.
                _cells[slot].Clear();
                Volatile.Write(ref _stamps[slot], minute);
            }
        }
        return _cells[slot];
    }

    /// <summary>Adds the cells of the 15 minutes ending at <paramref name="now"/>.</summary>
    public void AddTo(StatsTotals totals, DateTimeOffset now)
    {
        var minute = MinuteOf(now);
        for (var slot = 0; slot < Minutes; slot++)
        {
            var stamp = Volatile.Read(ref _stamps[slot]);
            if (stamp > minute - Minutes && stamp <= minute)
            {
                _cells[slot].AddTo(totals);
            }
        }
    }

    /// <summary>Per-minute counts of the last 15 minutes, oldest first: the page's chart.</summary>
    public (long Minute, long Requests, long Failed)[] Timeline(DateTimeOffset now)
    {
        var minute = MinuteOf(now);
        var timeline = new (long, long, long)[Minutes];
        for (var i = 0; i < Minutes; i++)
        {
            var wanted = minute - Minutes + 1 + i;
            var slot = (int)(((wanted % Minutes) + Minutes) % Minutes);
            var cell = _cells[slot];
            timeline[i] = Volatile.Read(ref _stamps[slot]) == wanted
                ? (wanted, Volatile.Read(ref cell.Requests), Volatile.Read(ref cell.Failed))
                : (wanted, 0, 0);
        }
        return timeline;
    }

    public void Clear()
    {
        lock (_rotate)
        {
            for (var i = 0; i < Minutes; i++)
            {
                _cells[i].Clear();
            }
        }
    }
}
