using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Framing end to end through a running proxy (issue 13 point 3): a response with both
/// Transfer-Encoding and Content-Length loses the latter, HTTP/1.0 clients get chunked responses
/// de-chunked and closed, a malformed chunked response is cut with a reset, and each
/// request-smuggling ("funky chunks") variant is refused or reaches the upstream re-framed by
/// NetDrift, never as the client's own chunk lines.
/// </summary>
public sealed class PlainHttpFramingTests
{
    /// <summary>Reads a request head, then runs its script on the socket (the token: the server stops).</summary>
    private sealed class ScriptedUpstream(Func<Socket, CancellationToken, Task> script) : LoopbackServer
    {
        protected override async Task HandleAsync(Socket socket)
        {
            if (await new WireReader(socket).ReadHeadAsync() is not null)
            {
                await script(socket, Stopping);
            }
        }
    }

    /// <summary>
    /// Records every request body as received, raw, and answers 200 once the bytes form a whole
    /// chunked body in NetDrift's own framing (<see cref="TryParseReframed"/>); anything else it
    /// reads until the sender closes, so a body the upstream could act on is always visible.
    /// </summary>
    private sealed class RecordingUpstream : LoopbackServer
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Body, bool Complete)> _bodies = new();

        public IReadOnlyList<(string Body, bool Complete)> Bodies => _bodies.ToArray();

        public string Url => $"http://127.0.0.1:{Port}";

        protected override async Task HandleAsync(Socket socket)
        {
            var reader = new WireReader(socket);
            if (await reader.ReadHeadAsync() is null)
            {
                return;
            }
            var body = new StringBuilder();
            var buffer = new byte[4096];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
            timeout.CancelAfter(Loopback.DefaultTimeout);
            body.Append(Encoding.Latin1.GetString(await reader.ReadExactAsync(reader.BufferedCount)));
            while (!TryParseReframed(body.ToString(), out _))
            {
                int read;
                try
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                }
                catch (SocketException)
                {
                    read = 0;
                }
                if (read == 0)
                {
                    _bodies.Enqueue((body.ToString(), false));
                    return;
                }
                body.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
            _bodies.Enqueue((body.ToString(), true));
            await Loopback.SendAllAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
        }
    }

    private static readonly Regex ReframedSize = new("^(0|[1-9a-f][0-9a-f]*)$");
    private static readonly Regex ReframedTrailer = new(@"^[!#$%&'*+.^_`|~0-9A-Za-z-]+: [^\r\n]*$");

    /// <summary>
    /// True when <paramref name="raw"/> is exactly one whole chunked body as NetDrift frames it:
    /// lower-case hex sizes without leading zeros or extensions, CRLF everywhere, trailers as
    /// <c>Name: value</c>. The client's own lines (extensions, bare LF, odd sizes) never match.
    /// </summary>
    private static bool TryParseReframed(string raw, out string data)
    {
        var decoded = new StringBuilder();
        data = "";
        var at = 0;
        while (true)
        {
            var end = raw.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (end < 0 || !ReframedSize.IsMatch(raw[at..end]))
            {
                return false;
            }
            var size = Convert.ToInt32(raw[at..end], 16);
            at = end + 2;
            if (size == 0)
            {
                while (true)
                {
                    end = raw.IndexOf("\r\n", at, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        return false;
                    }
                    var line = raw[at..end];
                    at = end + 2;
                    if (line.Length == 0)
                    {
                        data = decoded.ToString();
                        return at == raw.Length;
                    }
                    if (!ReframedTrailer.IsMatch(line))
                    {
                        return false;
                    }
                }
            }
            if (at + size + 2 > raw.Length || raw.Substring(at + size, 2) != "\r\n")
            {
                return false;
            }
            decoded.Append(raw, at, size);
            at += size + 2;
        }
    }

    private static Task SendAsync(Socket socket, string text) => Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(text));

    private static string Get(string version) => $"GET http://origin.example/x {version}\r\nHost: origin.example\r\nConnection: close\r\n\r\n";

    [Theory(Timeout = 10_000)]
    [InlineData("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 99\r\n")]
    public async Task ResponseWithChunkedAndContentLength_ReachesClientWithoutContentLength(string framing)
    {
        await using var upstream = new ScriptedUpstream((s, _) => SendAsync(s, $"HTTP/1.1 200 OK\r\n{framing}\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{upstream.Port}"));
        using var client = await Loopback.ConnectAsync(proxy.Port);
        var reader = new WireReader(client);

        await SendAsync(client, Get("HTTP/1.1"));
        var head = await reader.ReadHeadAsync();
        var body = await reader.ReadChunkedAsync();

        Assert.Equal(200, ProxyClient.StatusOf(head!));
        Assert.Null(KeepAliveUpstream.Header(head!, "Content-Length"));
        Assert.Equal("chunked", KeepAliveUpstream.Header(head!, "Transfer-Encoding"));
        Assert.Equal("hello world", Encoding.Latin1.GetString(body!.Value.Body));
    }

    [Theory(Timeout = 10_000)]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")]
    public async Task Http10Client_ChunkedResponse_DechunkedThenClosedCleanly(string framing)
    {
        // Kept alive by the upstream: only NetDrift's close can end the body for the client.
        await using var upstream = new ScriptedUpstream(async (s, stopping) =>
        {
            await SendAsync(s, $"HTTP/1.1 200 OK\r\n{framing}\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n");
            await Task.Delay(Timeout.Infinite, stopping);
        });
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{upstream.Port}"));
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await SendAsync(client, "GET http://origin.example/x HTTP/1.0\r\nHost: origin.example\r\n\r\n");
        var (data, reset) = await Loopback.ReadToEndAsync(client);

        var text = Encoding.Latin1.GetString(data);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, text);
        var head = text[..(split + 4)];
        Assert.False(reset, "a complete de-chunked body ends with a clean close");
        Assert.Equal(200, ProxyClient.StatusOf(head));
        Assert.Null(KeepAliveUpstream.Header(head, "Transfer-Encoding"));
        Assert.Null(KeepAliveUpstream.Header(head, "Content-Length"));
        Assert.Equal("close", KeepAliveUpstream.Header(head, "Connection"));
        Assert.Equal("hello world", text[(split + 4)..]);
    }

    [Theory(Timeout = 10_000)]
    // What follows the break ("after") must never reach the client.
    [InlineData("HTTP/1.1", "zz\r\nafter\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.0", "zz\r\nafter\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1", "5\nafter\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.0", "5\r\nworldXXafter\r\n0\r\n\r\n")]
    public async Task MalformedChunkedResponse_ClientConnectionReset_Counted(string version, string badRest)
    {
        await using var upstream = new ScriptedUpstream(async (s, stopping) =>
        {
            await SendAsync(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" + badRest);
            await Task.Delay(Timeout.Infinite, stopping);
        });
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{upstream.Port}"));
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await SendAsync(client, Get(version));
        var (data, reset) = await Loopback.ReadToEndAsync(client);

        Assert.True(reset, "a cut transfer must be a reset, not an ordinary end of stream");
        Assert.DoesNotContain("after", Encoding.Latin1.GetString(data), StringComparison.Ordinal);
        var counters = proxy.Pool.All[0].Counters;
        Assert.True(await Loopback.WaitUntilAsync(() => counters.MalformedResponses == 1));
        Assert.Contains("malformed", counters.LastError?.Message ?? "", StringComparison.Ordinal);
    }

    private const string Smuggled = "GET http://origin.example/smuggled HTTP/1.1\r\nHost: origin.example\r\n\r\n";

    /// <summary>
    /// Chunked request bodies: the smuggling variants of issue 13 and the "funky chunks" family
    /// (line-terminator, extension and trailer confusion), each followed by a request a lenient
    /// parser would take for the next one. Expected: null for a 400, else what the upstream must
    /// receive, re-framed by NetDrift.
    /// </summary>
    public static TheoryData<string, string, string?> SmugglingVariants => new()
    {
        { "2-byte trailer line x\\n ends nothing", "5\r\nhello\r\n0\r\nx\n" + Smuggled, null },
        { "bare-LF chunk-size line", "5\nhello\r\n0\r\n\r\n" + Smuggled, null },
        { "2;\\n: bare LF after an empty extension", "2;\nxx\r\n0\r\n\r\n" + Smuggled, null },
        { "2;ext\\n: bare LF ends the extension (TERM.EXT)", "2;ext\nxx\r\n0\r\n\r\n" + Smuggled, null },
        { "2\\r\\r\\n: CR before the CRLF", "2\r\r\nxx\r\n0\r\n\r\n" + Smuggled, null },
        { "2\\nxx: LF-only size line", "2\nxx\r\n0\r\n\r\n" + Smuggled, null },
        { "LF-only after the data", "2\r\nxx\n0\r\n\r\n" + Smuggled, null },
        { "bare CR after the data", "2\r\nxx\r0\r\n\r\n" + Smuggled, null },
        { "LF-only last chunk and end", "2\r\nxx\r\n0\n\n" + Smuggled, null },
        { "data longer than its size (spill)", "2\r\nxxxx\r\n0\r\n\r\n" + Smuggled, null },
        { "trailer without the final CRLF", "2\r\nxx\r\n0\r\nX-T: 1\r\n" + Smuggled, null },
        { "obs-fold in trailers", "2\r\nxx\r\n0\r\nX-T: a\r\n b\r\n\r\n" + Smuggled, null },
        { "bare CR inside a trailer", "2\r\nxx\r\n0\r\nX-T: a\rb\r\n\r\n" + Smuggled, null },
        { "a request line as trailer", "0\r\n" + Smuggled, null },
        { "oversized chunk extension", $"2;a={new string('x', 2048)}\r\nxx\r\n0\r\n\r\n" + Smuggled, null },
        { "size that wraps past 2^64 to 2", "10000000000000002\r\nxx\r\n0\r\n\r\n" + Smuggled, null },
        { "valid extensions, stripped", "2;a=b;c=\"d;e\\\"f\"\r\nxx\r\n0\r\n\r\n", "2\r\nxx\r\n0\r\n\r\n" },
        { "leading zeros in the size, dropped", "0000000000000000000002\r\nxx\r\n0\r\n\r\n", "2\r\nxx\r\n0\r\n\r\n" },
        { "upper-case hex, lowered", "A\r\n0123456789\r\n0\r\n\r\n", "a\r\n0123456789\r\n0\r\n\r\n" },
        { "last-chunk extension, stripped", "2\r\nxx\r\n0;x=y\r\n\r\n", "2\r\nxx\r\n0\r\n\r\n" },
        { "trailer whitespace, re-serialized", "2\r\nxx\r\n0\r\nX-T:   1  \r\n\r\n", "2\r\nxx\r\n0\r\nX-T: 1\r\n\r\n" },
        { "chunk lines inside the data, carried as data", "7\r\n0\r\n\r\nGE\r\n0\r\n\r\n", "7\r\n0\r\n\r\nGE\r\n0\r\n\r\n" },
    };

    [Theory(Timeout = 10_000)]
    [MemberData(nameof(SmugglingVariants))]
    public async Task ChunkedRequestBody_RefusedOrReframed_NeverForwardedRaw(string why, string body, string? reframed)
    {
        await using var upstream = new RecordingUpstream();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "POST http://origin.example/upload HTTP/1.1\r\nHost: origin.example\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + body);

        Assert.Single(Regex.Matches(response, "^HTTP/1\\.1 ", RegexOptions.Multiline));
        Assert.True(await Loopback.WaitUntilAsync(() => upstream.Bodies.Count == upstream.Accepted), why);
        var received = upstream.Bodies;
        if (reframed is null)
        {
            Assert.True(ProxyClient.StatusOf(response) == 400, $"{why}: {response.Split("\r\n")[0]}");
            Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.Malformed]);
            // At most NetDrift's own framing of the chunks it had checked: never a whole body, never the client's lines.
            Assert.All(received, r => Assert.False(r.Complete, $"{why}: the upstream got a whole body"));
            Assert.All(received, r => Assert.DoesNotMatch("[;\\n](?<!\\r\\n)|\\r(?!\\n)|smuggled", r.Body));
        }
        else
        {
            Assert.True(ProxyClient.StatusOf(response) == 200, $"{why}: {response.Split("\r\n")[0]}");
            var (forwarded, complete) = Assert.Single(received);
            Assert.True(complete, why);
            Assert.Equal(reframed, forwarded);
        }
    }
}
