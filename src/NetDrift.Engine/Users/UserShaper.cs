using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Users;

/// <summary>
/// One direction of a user's traffic through the user's shared pacer (bytes_per_second): shaped,
/// never cut. Reads the pacer in force at each chunk, so a reload changes running tunnels' rate too.
/// </summary>
internal sealed class UserShaper : IRelayShaper
{
    private readonly UserState _user;
    private readonly bool _toUpstream;
    private readonly Action? _firstWait;
    private readonly CancellationToken _stopping;
    private int _waited;

    public UserShaper(UserState user, bool toUpstream, Action? firstWait, CancellationToken stopping)
    {
        _user = user;
        _toUpstream = toUpstream;
        _firstWait = firstWait;
        _stopping = stopping;
    }

    public bool IsSpent => false;

    private SharedRatePacer? Pacer => _toUpstream ? _user.ToUpstreamPacer : _user.ToClientPacer;

    public int NextReadSize(int bufferSize) => Pacer is { } pacer ? Math.Min(bufferSize, pacer.ChunkSize) : bufferSize;

    public async ValueTask<int> PassAsync(int read)
    {
        if (Pacer is { } pacer && pacer.Book(read) is var wait && wait > TimeSpan.Zero)
        {
            if (Interlocked.Exchange(ref _waited, 1) == 0)
            {
                _firstWait?.Invoke();
            }
            await Task.Delay(wait, _stopping).ConfigureAwait(false);
        }
        return read;
    }
}
