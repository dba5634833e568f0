using System.Net.Sockets;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// A live tunnel as the idle sweeper and the drain logic see it: when it last moved a byte, and a
/// way to end it. Touching is a single volatile write, so the relay's hot path takes no lock and
/// arms no timer; one sweeper per proxy checks every tunnel against the idle timeout.
/// </summary>
public sealed class TunnelActivity
{
    private readonly Socket _client;
    private readonly Socket _upstream;
    private long _lastActivity = Environment.TickCount64;
    private int _abortReason = -1;

    public TunnelActivity(Socket client, Socket upstream)
    {
        _client = client;
        _upstream = upstream;
    }

    public long LastActivityMilliseconds => Volatile.Read(ref _lastActivity);

    /// <summary>Why the tunnel was ended from outside, if it was.</summary>
    public RelayResult? AbortReason => Volatile.Read(ref _abortReason) is var reason and >= 0 ? (RelayResult)reason : null;

    /// <summary>
    /// Whether the tunnel was cut (reset), not finished. A pump that reads end of stream checks
    /// this before passing the end on: resetting a socket while the other direction's splice
    /// holds it makes .NET disconnect it first, which a pending read on it sees as an ordinary
    /// EOF; passed on, that would be a FIN to the other side ahead of its reset.
    /// </summary>
    internal bool WasCut => Volatile.Read(ref _abortReason) is var reason and >= 0 && reason != (int)RelayResult.Completed;

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    public bool IsIdleFor(TimeSpan timeout, long nowMilliseconds) =>
        nowMilliseconds - LastActivityMilliseconds >= (long)timeout.TotalMilliseconds;

    /// <summary>
    /// Resets both sockets (CONTRACT §10 "Cuts are resets"); the relay's pending reads fail and it
    /// reports the reason. A plain close would let the megabytes still queued in the kernel flow
    /// on and end in an ordinary EOF, which a client takes for a complete transfer.
    /// </summary>
    public void Abort(RelayResult reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, (int)reason, -1) != -1)
        {
            return;
        }
        Reset(_client);
        Reset(_upstream);
    }

    /// <summary>Closes both sockets normally: the relay ended because the transfer is complete.</summary>
    internal void Finish()
    {
        if (Interlocked.CompareExchange(ref _abortReason, (int)RelayResult.Completed, -1) != -1)
        {
            return;
        }
        _client.Dispose();
        _upstream.Dispose();
    }

    /// <summary>Close(0): linger on with a zero timeout, so the kernel drops queued bytes and sends RST.</summary>
    internal static void Reset(Socket socket)
    {
        try
        {
            socket.Close(0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to reset.
        }
    }
}
