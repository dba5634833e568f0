using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Net;

namespace NetDrift.Fuzz;

/// <summary>
/// One fuzz input through the parsers a client's bytes meet first: a PROXY protocol header when the
/// input starts with one (what a trusted balancer sends), then, after it, the head is located and parsed
/// as a request (the limits of the proxy: 100 header lines), its framing decided, and whatever
/// follows the head is streamed through BodyCopier as a chunked body. Any exception is a bug.
/// Shared with the xunit replay of tests/NetDrift.Engine.Tests/Http/FuzzRegressions.
/// </summary>
public static class FuzzTarget
{
    public const int MaxHeaderCount = HeadParser.DefaultMaxHeaderCount;

    public static void Run(ReadOnlySpan<byte> input, UnixPipe? pipe = null)
    {
        input = input[ProxyHeaderLength(input)..];
        var end = HeadParser.FindHeadEnd(input);
        if (end > input.Length)
        {
            throw new InvalidOperationException($"FindHeadEnd returned {end} for {input.Length} bytes");
        }
        var head = end > 0 ? input[..end] : input;
        var body = end > 0 ? input[end..] : ReadOnlySpan<byte>.Empty;
        if (HeadParser.TryParseRequest(head, MaxHeaderCount, out var request) == HeadParseError.None)
        {
            if (request is null || request.Headers.Count > MaxHeaderCount)
            {
                throw new InvalidOperationException("accepted a head beyond the header limit");
            }
            _ = BodyFraming.ForRequest(request.Headers);
        }
        if (HeadParser.TryParseResponse(head, MaxHeaderCount, out var response) == HeadParseError.None)
        {
            _ = BodyFraming.ForResponse("GET", response!.StatusCode, response.Headers);
        }
        if (pipe is not null && !body.IsEmpty)
        {
            var result = pipe.CopyChunked(body.ToArray());
            if (!Enum.IsDefined(result))
            {
                throw new InvalidOperationException($"BodyCopier returned {result}");
            }
        }
    }

    /// <summary>The PROXY protocol header's length (0 when there is none), checked against what the parser promises.</summary>
    private static int ProxyHeaderLength(ReadOnlySpan<byte> input)
    {
        var status = ProxyProtocolHeader.TryParse(input, out var length, out var source);
        if (!Enum.IsDefined(status))
        {
            throw new InvalidOperationException($"ProxyProtocolHeader returned {status}");
        }
        if (status != ProxyHeaderStatus.Complete)
        {
            if (length != 0 || source is not null)
            {
                throw new InvalidOperationException($"{status} with length {length} and source {source}");
            }
            return 0;
        }
        if (length <= 0 || length > input.Length || length > Math.Max(ProxyProtocolHeader.MaxV1Length, ProxyProtocolHeader.MaxV2Length))
        {
            throw new InvalidOperationException($"header length {length} for {input.Length} bytes");
        }
        if (!ProxyProtocolHeader.IsHeaderAt(input))
        {
            throw new InvalidOperationException("a complete header that IsHeaderAt denies");
        }
        return length;
    }
}

/// <summary>
/// A Unix-socket listener that hands out connected pairs, so BodyCopier (which reads a socket)
/// can parse fuzz bytes without TCP ports or TIME_WAIT.
/// </summary>
public sealed class UnixPipe : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"netdrift-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly (Socket Writer, Socket Reader) _sink;

    public UnixPipe()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(16);
        _sink = Pair();
    }

    /// <summary>Writes <paramref name="body"/> and EOF into a fresh connection and copies it as a chunked body.</summary>
    public BodyCopyResult CopyChunked(byte[] body)
    {
        var (writer, reader) = Pair();
        using (writer)
        using (reader)
        using (var input = new SocketInput(reader))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            var sending = writer.SendAsync(body.AsMemory(), SocketFlags.None).AsTask().ContinueWith(_ => writer.Shutdown(SocketShutdown.Send), TaskScheduler.Default);
            var result = BodyCopier.CopyAsync(input, _sink.Writer, new BodyFraming(BodyKind.Chunked, -1), _ => { }, null, timeout.Token)
                .GetAwaiter().GetResult();
            sending.GetAwaiter().GetResult();
            Drain();
            return result;
        }
    }

    private void Drain()
    {
        var buffer = new byte[64 * 1024];
        while (_sink.Reader.Available > 0)
        {
            _sink.Reader.Receive(buffer);
        }
    }

    private (Socket, Socket) Pair()
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(_path));
        return (client, _listener.Accept());
    }

    public void Dispose()
    {
        _sink.Writer.Dispose();
        _sink.Reader.Dispose();
        _listener.Dispose();
        File.Delete(_path);
    }
}
