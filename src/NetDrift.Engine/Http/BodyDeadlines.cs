namespace NetDrift.Engine.Http;

/// <summary>
/// Deadlines for the waits of one body copy, so a stall is blamed on the side that stalled: a read
/// from the source that waits longer than the read timeout ends the copy as
/// <see cref="BodyCopyResult.TimedOut"/> (the sender stopped sending), a write to the destination
/// that waits longer than the write timeout as <see cref="BodyCopyResult.DestinationTimedOut"/>
/// (the receiver stopped taking bytes). One timer, re-armed at every wait: a slow transfer that
/// keeps moving never trips it, however long it takes in all.
/// </summary>
public sealed class BodyDeadlines : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly TimeSpan _read;
    private readonly TimeSpan _write;

    /// <param name="cancellationToken">Also ends every wait (the copy then ends by cancellation, not as a stall).</param>
    public BodyDeadlines(TimeSpan read, TimeSpan write, CancellationToken cancellationToken = default)
    {
        _timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _read = read;
        _write = write;
    }

    /// <summary>Whether the wait that was armed last is a write (what a fired timer means).</summary>
    internal bool Writing { get; private set; }

    internal CancellationToken ForRead()
    {
        Writing = false;
        _timer.CancelAfter(_read);
        return _timer.Token;
    }

    internal CancellationToken ForWrite()
    {
        Writing = true;
        _timer.CancelAfter(_write);
        return _timer.Token;
    }

    public void Dispose() => _timer.Dispose();
}
