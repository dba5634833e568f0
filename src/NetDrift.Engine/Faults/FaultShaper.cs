using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Faults;

/// <summary>
/// One direction of a faulty tunnel as <see cref="TunnelRelay"/> shapes it: capped at a byte rate
/// (<see cref="FaultType.Slow"/>, its own pacer per direction) and/or cut once a budget shared by
/// both directions is spent (<see cref="FaultType.Drop"/>, exact to the byte).
/// </summary>
internal sealed class FaultShaper : IRelayShaper
{
    private readonly RatePacer? _pacer;
    private readonly ByteBudget? _budget;
    private readonly CancellationToken _stopping;

    private FaultShaper(long bytesPerSecond, ByteBudget? budget, CancellationToken stopping)
    {
        _pacer = bytesPerSecond > 0 ? new RatePacer(bytesPerSecond) : null;
        _budget = budget;
        _stopping = stopping;
    }

    /// <summary>Both directions' shapers: a pacer each, the budget shared.</summary>
    public static (FaultShaper ToUpstream, FaultShaper ToClient) Pair(long bytesPerSecond, ByteBudget? budget, CancellationToken stopping) =>
        (new FaultShaper(bytesPerSecond, budget, stopping), new FaultShaper(bytesPerSecond, budget, stopping));

    public bool IsSpent => _budget is { IsSpent: true };

    public int NextReadSize(int bufferSize)
    {
        var size = _pacer?.ChunkSize ?? bufferSize;
        return _budget is null ? size : (int)Math.Clamp(_budget.Remaining, 1, size);
    }

    public async ValueTask<int> PassAsync(int read)
    {
        var allowed = _budget?.Take(read) ?? read;
        if (_pacer is not null)
        {
            await _pacer.WaitAsync(allowed, _stopping).ConfigureAwait(false);
        }
        return allowed;
    }
}
