using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// An upstream proxy that serves slow downloads, at about 1 MiB/s (64 KiB every 62 ms), and records
/// how NetDrift ended each connection: with a reset or with an ordinary close. It is the target
/// too, so the far end of a cut is observed directly. Routes:
/// <list type="bullet">
/// <item>CONNECT (any authority): 200, then <c>tunnelBytes</c> paced bytes and its own FIN;
/// with 0 it stays silent (an idle tunnel).</item>
/// <item>GET <c>/len/&lt;n&gt;</c>: 200, Content-Length n, paced.</item>
/// <item>GET <c>/chunked/&lt;n&gt;</c>: 200, chunked, one 64 KiB chunk per tick.</item>
/// <item>GET <c>/stall/&lt;n&gt;</c>: 200, Content-Length n, one piece, then silence (an idle response).</item>
/// </list>
/// Bodies are <see cref="KeepAliveUpstream.Pattern"/>.
/// </summary>
internal sealed class PacedUpstream : LoopbackServer
{
    public const int Piece = 64 * 1024;
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(62);

    private readonly int _tunnelBytes;
    private readonly ConcurrentQueue<PeerEnd> _ends = new();

    private PacedUpstream(int tunnelBytes) => _tunnelBytes = tunnelBytes;

    public static PacedUpstream Start(int tunnelBytes = 0) => new(tunnelBytes);

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>How each connection was ended by its peer, NetDrift, in the order they ended.</summary>
    public IReadOnlyList<PeerEnd> Ends => _ends.ToArray();

    /// <summary>Waits until a connection has ended; its end, or null on timeout.</summary>
    public async Task<PeerEnd?> FirstEndAsync(TimeSpan timeout)
    {
        await Loopback.WaitUntilAsync(() => !_ends.IsEmpty, timeout);
        return _ends.TryPeek(out var end) ? end : null;
    }

    protected override async Task HandleAsync(Socket socket)
    {
        var reader = new WireReader(socket, TimeSpan.FromSeconds(10), Stopping);
        var head = await reader.ReadHeadAsync();
        if (head is null)
        {
            return;
        }
        var line = head[..head.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
        var path = line[0] == "CONNECT" ? "" : new Uri(line[1]).AbsolutePath;
        byte[] answer;
        int length;
        var chunked = false;
        var stall = false;
        if (line[0] == "CONNECT")
        {
            answer = "HTTP/1.1 200 OK\r\n\r\n"u8.ToArray();
            length = _tunnelBytes;
            stall = _tunnelBytes == 0;
        }
        else if (TryRoute(path, "/len/", out length) || (stall = TryRoute(path, "/stall/", out length)))
        {
            answer = Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n");
        }
        else if (chunked = TryRoute(path, "/chunked/", out length))
        {
            answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray();
        }
        else
        {
            await Loopback.SendAllAsync(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
            return;
        }
        await Loopback.SendAllAsync(socket, answer);
        // Watched from the start: the first thing the receive side sees tells a reset from a close.
        var watch = WatchAsync(socket);
        try
        {
            await SendPacedAsync(socket, KeepAliveUpstream.Pattern(length), chunked, stall, watch);
            if (line[0] == "CONNECT" && !stall)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The peer went away mid-send; the watch says how.
        }
        _ends.Enqueue(await watch);
    }

    private async Task SendPacedAsync(Socket socket, byte[] body, bool chunked, bool stall, Task<PeerEnd> watch)
    {
        for (var offset = 0; offset < body.Length && !watch.IsCompleted; offset += Piece)
        {
            var piece = body.AsMemory(offset, Math.Min(Piece, body.Length - offset));
            if (chunked)
            {
                await Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(piece.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            }
            await Loopback.SendAllAsync(socket, piece);
            if (chunked)
            {
                await Loopback.SendAllAsync(socket, "\r\n"u8.ToArray());
            }
            if (stall)
            {
                return;
            }
            await Task.WhenAny(Task.Delay(Tick, Stopping), watch);
        }
        if (chunked && !watch.IsCompleted)
        {
            await Loopback.SendAllAsync(socket, "0\r\n\r\n"u8.ToArray());
        }
    }

    private async Task<PeerEnd> WatchAsync(Socket socket)
    {
        var sink = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(sink, SocketFlags.None, Stopping) > 0)
            {
            }
            return PeerEnd.Closed;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return PeerEnd.Reset;
        }
    }

    private static bool TryRoute(string path, string prefix, out int length)
    {
        length = 0;
        return path.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(path[prefix.Length..], out length);
    }
}

/// <summary>How a peer ended a connection, as the other side sees it first.</summary>
internal enum PeerEnd
{
    /// <summary>An ordinary close (FIN): reads end as if the transfer were complete.</summary>
    Closed,
    /// <summary>A TCP reset: reads fail with ConnectionReset.</summary>
    Reset,
}
