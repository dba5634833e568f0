namespace NetDrift.LoadGen;

/// <summary>
/// A worker's per-operation deadline, one token source reused for every operation (TryReset), so a
/// request costs no new CancellationTokenSource; only one that timed out needs a fresh one.
/// </summary>
internal sealed class OperationTimeout(TimeSpan limit) : IDisposable
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    private CancellationTokenSource _source = new();

    /// <summary>Whether the deadline of the current operation has passed.</summary>
    public bool Expired => _source.IsCancellationRequested;

    public CancellationToken Start()
    {
        _source.CancelAfter(limit);
        return _source.Token;
    }

    public void Finish()
    {
        if (!_source.TryReset())
        {
            _source.Dispose();
            _source = new CancellationTokenSource();
        }
    }

    public void Dispose() => _source.Dispose();
}
