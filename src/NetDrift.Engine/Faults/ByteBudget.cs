namespace NetDrift.Engine.Faults;

/// <summary>
/// What a tunnel may still relay, both directions together (<see cref="FaultType.Drop"/>). Taking
/// is atomic, so the two directions never overspend it between them: the cut is exact.
/// </summary>
internal sealed class ByteBudget
{
    private long _remaining;

    public ByteBudget(long bytes) => _remaining = bytes;

    public long Remaining => Interlocked.Read(ref _remaining);

    public bool IsSpent => Remaining <= 0;

    /// <summary>Takes up to <paramref name="wanted"/> bytes and returns how many were granted (0 once spent).</summary>
    public int Take(int wanted)
    {
        while (true)
        {
            var remaining = Interlocked.Read(ref _remaining);
            var granted = (int)Math.Min(wanted, Math.Max(0, remaining));
            if (Interlocked.CompareExchange(ref _remaining, remaining - granted, remaining) == remaining)
            {
                return granted;
            }
        }
    }
}
