using System.Net.Sockets;

namespace NetDrift.Engine.Server;

/// <summary>
/// The accept loop's back-off while the process is out of descriptors: 5 ms doubling to 1 s, so a
/// listener that stays readable (its backlog waiting) costs a few wake-ups a second, not a core.
/// One burst of failures is logged once, when it starts. Used by the accept loop alone.
/// </summary>
internal sealed class AcceptBackOff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    private TimeSpan _next = First;
    private int _failures;

    /// <summary>EMFILE and ENFILE both map to TooManyOpenSockets; ENOBUFS/ENOMEM to NoBufferSpaceAvailable.</summary>
    public static bool IsResourceShortage(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    /// <summary>One more failed accept: how long to wait; true when it starts a burst (log it).</summary>
    public bool Failed(out TimeSpan delay)
    {
        delay = _next;
        _next = _next * 2 < Max ? _next * 2 : Max;
        return ++_failures == 1;
    }

    /// <summary>An accept worked: the failures of the burst it ends, or null when there was none.</summary>
    public int? Succeeded()
    {
        if (_failures == 0)
        {
            return null;
        }
        var failures = _failures;
        _failures = 0;
        _next = First;
        return failures;
    }
}
