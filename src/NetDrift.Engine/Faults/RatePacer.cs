using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Faults;

/// <summary>
/// Paces one relay direction to a byte rate (<see cref="FaultType.Slow"/>). Each chunk waits until
/// the rate allows it, so the receiver never sees more than the cap. Idle time earns no credit:
/// a burst after a pause is paced like any other, as a slow link would.
/// </summary>
internal sealed class RatePacer
{
    private readonly long _bytesPerSecond;
    private long _windowStart;
    private long _windowBytes;

    public RatePacer(long bytesPerSecond)
    {
        _bytesPerSecond = bytesPerSecond;
        // About ten sends a second: smooth to the eye, without a system call per byte.
        ChunkSize = (int)Math.Clamp(bytesPerSecond / 10, 1, TunnelRelay.BufferSize);
    }

    /// <summary>The most a pump should read at once.</summary>
    public int ChunkSize { get; }

    /// <summary>Completes when <paramref name="bytes"/> more may be sent.</summary>
    public Task WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (now > DueAt())
        {
            _windowStart = now;
            _windowBytes = 0;
        }
        _windowBytes += bytes;
        var wait = DueAt() - now;
        return wait > 0 ? Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken) : Task.CompletedTask;
    }

    private long DueAt() => _windowStart + _windowBytes * 1000 / _bytesPerSecond;
}
