using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// A minimal keep-alive upstream HTTP proxy for plain-HTTP tests, written with its own wire code
/// (it stands in for a third-party proxy, so it shares nothing with the engine's parser). Accepts
/// absolute-form requests, serves many per connection, records every request head and counts
/// accepted connections (<see cref="LoopbackServer.Accepted"/>). Routes by path:
/// <list type="bullet">
/// <item><c>/len/&lt;n&gt;</c>: 200, Content-Length n (HEAD: the length, no body).</item>
/// <item><c>/chunked/&lt;n&gt;</c>: 200, n bytes in several chunks plus trailer <c>X-Trailer: yes</c>.</item>
/// <item><c>/close/&lt;n&gt;</c>: 200 without a length, n bytes, then the connection closes.</item>
/// <item><c>/nocontent</c>: 204. <c>/notmodified</c>: 304 with a Content-Length but no body.</item>
/// <item><c>/early</c>: <c>103 Early Hints</c>, then 200.</item>
/// <item>POST <c>/echo</c>: the request body (Content-Length or chunked) echoed; <c>Expect: 100-continue</c> answered with 100 first.</item>
/// <item><c>/drop-after</c>: 200 with a length (no <c>Connection: close</c>), then the connection closes at once.</item>
/// <item><c>/drop-next</c>: 200 with a length, then the next request on that connection is read and
/// the connection closed without an answer: an upstream whose idle timeout fired just as a request
/// arrived on a pooled connection (the race a pool's liveness check cannot see).</item>
/// <item>anything else: 404.</item>
/// </list>
/// Every response carries <c>X-Upstream-Port</c>. A request with <c>Connection: close</c> gets its
/// answer, then the connection closes.
/// </summary>
internal sealed class KeepAliveUpstream : LoopbackServer
{
    private readonly ConcurrentQueue<string> _heads = new();
    private int _echoes;

    private KeepAliveUpstream()
    {
    }

    public static KeepAliveUpstream Start() => new();

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Every request head received, in arrival order, as Latin-1 text.</summary>
    public IReadOnlyList<string> Heads => _heads.ToArray();

    /// <summary>POST /echo requests answered (body fully read and echoed).</summary>
    public int EchoesAnswered => Volatile.Read(ref _echoes);

    /// <summary>Heads whose request target's path starts with <paramref name="pathPrefix"/>.</summary>
    public int CountRequests(string pathPrefix, string? method = null) =>
        Heads.Count(h => PathOf(RequestLine(h)[1]).StartsWith(pathPrefix, StringComparison.Ordinal)
                         && (method is null || RequestLine(h)[0] == method));

    /// <summary>The deterministic body bytes every route serves for length <paramref name="n"/>.</summary>
    public static byte[] Pattern(int n)
    {
        var bytes = new byte[n];
        for (var i = 0; i < n; i++)
        {
            bytes[i] = (byte)(i * 7 % 251);
        }
        return bytes;
    }

    public static string? Header(string head, string name) =>
        head.Split("\r\n").Skip(1)
            .Where(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(line => line[(name.Length + 1)..].Trim())
            .FirstOrDefault();

    private static string[] RequestLine(string head) => head[..head.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');

    private static string PathOf(string target)
    {
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var slash = target.IndexOf('/', "http://".Length);
            target = slash < 0 ? "/" : target[slash..];
        }
        var query = target.IndexOf('?');
        return query < 0 ? target : target[..query];
    }

    private enum After { Keep, Close, DropNext }

    protected override async Task HandleAsync(Socket socket)
    {
        var reader = new WireReader(socket, TimeSpan.FromSeconds(10), Stopping);
        var dropNext = false;
        while (true)
        {
            var head = await reader.ReadHeadAsync();
            if (head is null)
            {
                return;
            }
            _heads.Enqueue(head);
            if (dropNext)
            {
                // Read, never answered: the connection just closes.
                return;
            }
            var after = await AnswerAsync(socket, reader, head);
            if (after == After.Close)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }
            dropNext = after == After.DropNext;
        }
    }

    private async Task<After> AnswerAsync(Socket socket, WireReader reader, string head)
    {
        var line = RequestLine(head);
        if (line.Length != 3)
        {
            await SendAsync(socket, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return After.Close;
        }
        var (method, path) = (line[0], PathOf(line[1]));
        var close = (Header(head, "Connection") ?? "").Contains("close", StringComparison.OrdinalIgnoreCase);
        var keep = close ? After.Close : After.Keep;
        var common = $"X-Upstream-Port: {Port}\r\n" + (close ? "Connection: close\r\n" : "");

        if (path.StartsWith("/len/", StringComparison.Ordinal) && int.TryParse(path[5..], out var length))
        {
            await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n{common}\r\n");
            if (method != "HEAD")
            {
                await Loopback.SendAllAsync(socket, Pattern(length));
            }
            return keep;
        }
        if (path.StartsWith("/chunked/", StringComparison.Ordinal) && int.TryParse(path[9..], out length))
        {
            var body = Pattern(length);
            var wire = new MemoryStream();
            Write(wire, $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n{common}\r\n");
            var piece = Math.Max(1, length / 4 + 1);
            for (var offset = 0; offset < length; offset += piece)
            {
                var size = Math.Min(piece, length - offset);
                // Mixed case hex and a chunk extension: both legal, both must pass through untouched.
                Write(wire, size.ToString(offset == 0 ? "X" : "x", CultureInfo.InvariantCulture) + (offset == 0 ? ";ext=1" : "") + "\r\n");
                wire.Write(body, offset, size);
                Write(wire, "\r\n");
            }
            Write(wire, "0\r\nX-Trailer: yes\r\n\r\n");
            await Loopback.SendAllAsync(socket, wire.ToArray());
            return keep;
        }
        if (path.StartsWith("/close/", StringComparison.Ordinal) && int.TryParse(path[7..], out length))
        {
            await SendAsync(socket, $"HTTP/1.1 200 OK\r\nX-Upstream-Port: {Port}\r\n\r\n");
            await Loopback.SendAllAsync(socket, Pattern(length));
            return After.Close;
        }
        switch (path)
        {
            case "/nocontent":
                await SendAsync(socket, $"HTTP/1.1 204 No Content\r\n{common}\r\n");
                return keep;
            case "/notmodified":
                await SendAsync(socket, $"HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\nETag: \"v1\"\r\n{common}\r\n");
                return keep;
            case "/early":
                await SendAsync(socket, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n{common}\r\nfinal");
                return keep;
            case "/drop-after":
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Upstream-Port: {Port}\r\n\r\nok");
                return After.Close;
            case "/drop-next":
                await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Upstream-Port: {Port}\r\n\r\nok");
                return After.DropNext;
            case "/echo" when method == "POST":
                return await EchoAsync(socket, reader, head, common, keep);
        }
        await SendAsync(socket, $"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n{common}\r\nnot found");
        return keep;
    }

    private async Task<After> EchoAsync(Socket socket, WireReader reader, string head, string common, After keep)
    {
        if ((Header(head, "Expect") ?? "").Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await SendAsync(socket, "HTTP/1.1 100 Continue\r\n\r\n");
        }
        byte[] body;
        var transferEncoding = Header(head, "Transfer-Encoding");
        if (transferEncoding is not null && transferEncoding.EndsWith("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var chunked = await reader.ReadChunkedAsync();
            if (chunked is null)
            {
                await SendAsync(socket, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return After.Close;
            }
            body = chunked.Value.Body;
        }
        else
        {
            body = await reader.ReadExactAsync(int.Parse(Header(head, "Content-Length") ?? "0", CultureInfo.InvariantCulture));
        }
        Interlocked.Increment(ref _echoes);
        await SendAsync(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n{common}\r\n");
        await Loopback.SendAllAsync(socket, body);
        return keep;
    }

    private static void Write(MemoryStream stream, string text) => stream.Write(Encoding.Latin1.GetBytes(text));

    private static Task SendAsync(Socket socket, string text) => Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(text));
}

/// <summary>
/// Buffered HTTP/1.1 wire reading over a socket for tests (heads, exact counts, chunked bodies,
/// until-close), every read bounded by a timeout. Independent of the engine's parser.
/// </summary>
internal sealed class WireReader
{
    private readonly Socket _socket;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _cancellation;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public WireReader(Socket socket, TimeSpan? timeout = null, CancellationToken cancellation = default)
    {
        _socket = socket;
        _timeout = timeout ?? Loopback.DefaultTimeout;
        _cancellation = cancellation;
    }

    public int BufferedCount => _end - _start;

    /// <summary>Receives more; false on EOF (or reset).</summary>
    private async Task<bool> FillAsync()
    {
        if (_end == _buffer.Length)
        {
            var pending = _end - _start;
            var target = pending > _buffer.Length / 2 ? new byte[_buffer.Length * 2] : _buffer;
            Buffer.BlockCopy(_buffer, _start, target, 0, pending);
            _buffer = target;
            _start = 0;
            _end = pending;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_cancellation);
        cts.CancelAfter(_timeout);
        int read;
        try
        {
            read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cts.Token);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
        _end += read;
        return read > 0;
    }

    /// <summary>The next head up to and including CRLF CRLF; null when the peer closed before a byte of it.</summary>
    public async Task<string?> ReadHeadAsync()
    {
        while (true)
        {
            var end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.Latin1.GetString(_buffer, _start, end + 4);
                _start += end + 4;
                return head;
            }
            if (!await FillAsync())
            {
                if (_end == _start)
                {
                    return null;
                }
                throw new EndOfStreamException("closed mid-head: " + Encoding.Latin1.GetString(_buffer, _start, _end - _start));
            }
        }
    }

    /// <summary>One line without its CRLF; null on EOF.</summary>
    public async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, lf).TrimEnd('\r');
                _start += lf + 1;
                return line;
            }
            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    public async Task<byte[]> ReadExactAsync(int count)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_end == _start && !await FillAsync())
            {
                throw new EndOfStreamException($"EOF after {filled} of {count} bytes");
            }
            var take = Math.Min(count - filled, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, filled, take);
            _start += take;
            filled += take;
        }
        return result;
    }

    /// <summary>Everything until the peer closes.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        var all = new MemoryStream();
        while (true)
        {
            all.Write(_buffer, _start, _end - _start);
            _start = _end = 0;
            if (!await FillAsync())
            {
                return all.ToArray();
            }
        }
    }

    /// <summary>True when the peer closes (EOF or reset) with nothing more sent, within <paramref name="wait"/>.</summary>
    public async Task<bool> ClosesAsync(TimeSpan wait)
    {
        if (_end > _start)
        {
            return false;
        }
        using var cts = new CancellationTokenSource(wait);
        try
        {
            var one = new byte[1];
            return await _socket.ReceiveAsync(one, SocketFlags.None, cts.Token) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A chunked body: the decoded bytes and the trailer lines; null when a chunk size or line end is malformed.</summary>
    public async Task<(byte[] Body, string Trailers)?> ReadChunkedAsync()
    {
        var body = new MemoryStream();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new EndOfStreamException("EOF in a chunked body");
            var sizeText = line.Split(';')[0].Trim();
            if (sizeText.Length is 0 or > 8 || !int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
            {
                return null;
            }
            if (size == 0)
            {
                var trailers = new StringBuilder();
                while (true)
                {
                    var trailer = await ReadLineAsync() ?? throw new EndOfStreamException("EOF in trailers");
                    if (trailer.Length == 0)
                    {
                        return (body.ToArray(), trailers.ToString());
                    }
                    trailers.Append(trailer).Append("\r\n");
                }
            }
            body.Write(await ReadExactAsync(size));
            if (await ReadLineAsync() is not "")
            {
                return null;
            }
        }
    }
}
