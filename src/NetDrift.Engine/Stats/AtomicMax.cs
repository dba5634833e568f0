namespace NetDrift.Engine.Stats;

/// <summary>Lock-free "raise to at least": the peak gauges' one primitive.</summary>
internal static class AtomicMax
{
    public static void Raise(ref long target, long value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }
}
