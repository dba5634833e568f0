using System.Collections.Concurrent;
using System.Net.Sockets;

namespace NetDrift.LoadGen;

/// <summary>Failed operations counted by kind ("status 502", "reset", "timeout"); safe from every worker at once.</summary>
internal sealed class ErrorTally
{
    private readonly ConcurrentDictionary<string, long> _kinds = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(string kind, long count = 1)
    {
        _kinds.AddOrUpdate(kind, static (_, add) => add, static (_, n, add) => n + add, count);
        Interlocked.Add(ref _total, count);
    }

    /// <param name="timedOut">Whether the operation's own timeout fired (a cancellation is then a timeout).</param>
    public void Add(Exception error, bool timedOut) => Add(KindOf(error, timedOut));

    /// <summary>Sorted by kind, so the JSON reads the same from run to run.</summary>
    public Dictionary<string, long> ToDictionary() =>
        _kinds.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);

    public static string KindOf(Exception error, bool timedOut) => error switch
    {
        LoadFailure failure => failure.Kind,
        OperationCanceledException => timedOut ? "timeout" : "cancelled",
        SocketException socket => SocketKind(socket.SocketErrorCode),
        IOException { InnerException: SocketException socket } => SocketKind(socket.SocketErrorCode),
        ObjectDisposedException => "aborted",
        _ => error.GetType().Name,
    };

    private static string SocketKind(SocketError code) => code switch
    {
        SocketError.ConnectionRefused => "refused",
        SocketError.ConnectionReset => "reset",
        SocketError.ConnectionAborted or SocketError.OperationAborted => "aborted",
        SocketError.Shutdown => "broken pipe",
        SocketError.TimedOut => "timeout",
        // Loopback runs out of ephemeral ports long before anything else at high connection rates.
        SocketError.AddressNotAvailable => "no free local port",
        SocketError.AddressAlreadyInUse => "address in use",
        SocketError.TooManyOpenSockets => "too many open files",
        SocketError.NoBufferSpaceAvailable => "no buffer space",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable",
        _ => "socket " + code,
    };
}
