using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Plain HTTP through NetDrift to keep-alive upstream proxies: client keep-alive with per-request
/// balancing, the upstream connection pool, every framing both ways, 1xx, Expect: 100-continue,
/// smuggling refusals, stale pooled connections and statistics. Loopback only; every read bounded.
/// </summary>
public sealed class PlainHttpKeepAliveTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    private sealed record Reply(int Status, string Head, byte[] Body, string Trailers, int[] Interim)
    {
        public string? Header(string name) => KeepAliveUpstream.Header(Head, name);

        public string Text => Encoding.Latin1.GetString(Body);
    }

    /// <summary>A raw client connection to the proxy that can carry many requests.</summary>
    private sealed class Client : IDisposable
    {
        private Client(Socket socket)
        {
            Socket = socket;
            Reader = new WireReader(socket, Quick);
        }

        public Socket Socket { get; }

        public WireReader Reader { get; }

        public static async Task<Client> ConnectAsync(ProxyServer proxy) => new(await Loopback.ConnectAsync(proxy.Port));

        public Task SendAsync(string text) => Loopback.SendAllAsync(Socket, Encoding.Latin1.GetBytes(text));

        public Task SendAsync(byte[] bytes) => Loopback.SendAllAsync(Socket, bytes);

        public async Task<Reply> RequestAsync(string path, string method = "GET", string headers = "", string version = "HTTP/1.1")
        {
            await SendAsync(Head(path, method, headers, version));
            return await ReadReplyAsync(method);
        }

        /// <summary>Reads one response by its framing, collecting 1xx interim statuses first.</summary>
        public async Task<Reply> ReadReplyAsync(string method = "GET")
        {
            var interim = new List<int>();
            while (true)
            {
                var head = await Reader.ReadHeadAsync() ?? throw new EndOfStreamException("closed before a response");
                var status = ProxyClient.StatusOf(head);
                if (status is >= 100 and < 200)
                {
                    interim.Add(status);
                    continue;
                }
                if (method == "HEAD" || status is 204 or 304)
                {
                    return new Reply(status, head, [], "", [.. interim]);
                }
                if (KeepAliveUpstream.Header(head, "Transfer-Encoding") is not null)
                {
                    var chunked = await Reader.ReadChunkedAsync() ?? throw new InvalidDataException("malformed chunked body from the proxy");
                    return new Reply(status, head, chunked.Body, chunked.Trailers, [.. interim]);
                }
                if (KeepAliveUpstream.Header(head, "Content-Length") is { } length)
                {
                    return new Reply(status, head, await Reader.ReadExactAsync(int.Parse(length)), "", [.. interim]);
                }
                return new Reply(status, head, await Reader.ReadToEndAsync(), "", [.. interim]);
            }
        }

        public Task<bool> ClosesAsync() => Reader.ClosesAsync(Quick);

        public void Dispose() => Socket.Dispose();
    }

    private static string Head(string path, string method = "GET", string headers = "", string version = "HTTP/1.1") =>
        $"{method} http://origin.example{path} {version}\r\nHost: origin.example\r\n{headers}\r\n";

    private static ProxyServer StartProxy(params KeepAliveUpstream[] upstreams) =>
        TestProxies.Start(string.Join(",", upstreams.Select(u => TestProxies.Upstream(u.Url))), """ "load_balancing": "round-robin", """);

    private static int PortOf(Reply reply) => int.Parse(reply.Header("X-Upstream-Port") ?? "0");

    // ---- keep-alive and balancing ----------------------------------------------------------

    [Fact(Timeout = 10_000)]
    public async Task ManyRequests_OneClientConnection_EachBalancedOnItsOwn()
    {
        await using var a = KeepAliveUpstream.Start();
        await using var b = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(a, b);
        using var client = await Client.ConnectAsync(proxy);

        var ports = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            var path = i % 2 == 0 ? $"/len/{1000 + i}" : $"/chunked/{3000 + i}";
            var reply = await client.RequestAsync(path);
            Assert.Equal(200, reply.Status);
            Assert.Equal("keep-alive", reply.Header("Connection"));
            Assert.Equal(KeepAliveUpstream.Pattern(i % 2 == 0 ? 1000 + i : 3000 + i), reply.Body);
            ports.Add(PortOf(reply));
        }

        // Round-robin per request, not per client connection.
        for (var i = 1; i < ports.Count; i++)
        {
            Assert.NotEqual(ports[i - 1], ports[i]);
        }
        Assert.Equal(4, a.Heads.Count);
        Assert.Equal(4, b.Heads.Count);
        // Each upstream served its four requests over one kept-alive connection.
        Assert.Equal(1, a.Accepted);
        Assert.Equal(1, b.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task TenClients_ShareThePooledUpstreamConnections()
    {
        await using var a = KeepAliveUpstream.Start();
        await using var b = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(a, b);

        for (var i = 0; i < 10; i++)
        {
            using var client = await Client.ConnectAsync(proxy);
            var reply = await client.RequestAsync($"/len/{10 + i}", headers: "Connection: close\r\n");
            Assert.Equal(200, reply.Status);
            Assert.Equal(KeepAliveUpstream.Pattern(10 + i), reply.Body);
            Assert.True(await client.ClosesAsync(), "Connection: close from the client must close it");
            // The upstream connection goes back to the pool just after the response's last byte.
            var used = proxy.Pool.All.Single(u => u.Config.Url.Port == PortOf(reply));
            Assert.True(await Loopback.WaitUntilAsync(() => used.Connections.IdleCount == 1, Quick));
        }

        Assert.Equal(5, a.Heads.Count);
        Assert.Equal(5, b.Heads.Count);
        Assert.True(a.Accepted <= 1, $"upstream a accepted {a.Accepted} connections");
        Assert.True(b.Accepted <= 1, $"upstream b accepted {b.Accepted} connections");
        Assert.Equal(8, proxy.Pool.All.Sum(u => u.Connections.Reused));
        Assert.All(proxy.Pool.All, u => Assert.True(u.Connections.Reused > 0));
    }

    // ---- framing ---------------------------------------------------------------------------

    [Fact(Timeout = 10_000)]
    public async Task ContentLengthAndChunkedWithTrailers_BytesIdentical_ConnectionReused()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        var length = await client.RequestAsync("/len/200000");
        var chunked = await client.RequestAsync("/chunked/150001");
        var empty = await client.RequestAsync("/chunked/0");
        var after = await client.RequestAsync("/len/3");

        Assert.Equal(KeepAliveUpstream.Pattern(200000), length.Body);
        Assert.Equal("200000", length.Header("Content-Length"));
        Assert.Equal(KeepAliveUpstream.Pattern(150001), chunked.Body);
        Assert.Equal("chunked", chunked.Header("Transfer-Encoding"));
        Assert.Null(chunked.Header("Content-Length"));
        Assert.Contains("X-Trailer: yes\r\n", chunked.Trailers, StringComparison.Ordinal);
        Assert.Empty(empty.Body);
        Assert.Contains("X-Trailer: yes\r\n", empty.Trailers, StringComparison.Ordinal);
        Assert.Equal(KeepAliveUpstream.Pattern(3), after.Body);
        Assert.Equal(1, upstream.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task CloseDelimitedResponse_RelayedWhole_ThenClientConnectionCloses()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        var first = await client.RequestAsync("/len/10");
        await client.SendAsync(Head("/close/70000"));
        var head = await client.Reader.ReadHeadAsync();
        var (body, _) = (await client.Reader.ReadToEndAsync(), 0);

        Assert.Equal(200, first.Status);
        Assert.Equal(200, ProxyClient.StatusOf(head!));
        Assert.Equal("close", KeepAliveUpstream.Header(head!, "Connection"));
        Assert.Null(KeepAliveUpstream.Header(head!, "Content-Length"));
        Assert.Equal(KeepAliveUpstream.Pattern(70000), body);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All[0].Connections.IdleCount == 0 && proxy.Pool.All[0].Counters.ActiveConnections == 0, Quick));
    }

    [Fact(Timeout = 10_000)]
    public async Task HeadAnd204And304_NoBody_NextRequestOnTheSameConnectionWorks()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        var head = await client.RequestAsync("/len/777", method: "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal("777", head.Header("Content-Length"));
        var next = await client.RequestAsync("/len/4");
        Assert.Equal(KeepAliveUpstream.Pattern(4), next.Body);

        var noContent = await client.RequestAsync("/nocontent");
        Assert.Equal(204, noContent.Status);
        next = await client.RequestAsync("/len/5");
        Assert.Equal(KeepAliveUpstream.Pattern(5), next.Body);

        var notModified = await client.RequestAsync("/notmodified");
        Assert.Equal(304, notModified.Status);
        Assert.Equal("1234", notModified.Header("Content-Length"));
        next = await client.RequestAsync("/len/6");
        Assert.Equal(KeepAliveUpstream.Pattern(6), next.Body);

        // Nothing stray followed a bodiless response: the buffer is empty, the connection alive.
        Assert.Equal(0, client.Reader.BufferedCount);
        Assert.False(await client.Reader.ClosesAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(1, upstream.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task EarlyHints_103PassedOnBeforeThe200()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        await client.SendAsync(Head("/early"));
        var interim = await client.Reader.ReadHeadAsync();
        var final = await client.ReadReplyAsync();

        Assert.Equal(103, ProxyClient.StatusOf(interim!));
        Assert.Equal("</style.css>; rel=preload", KeepAliveUpstream.Header(interim!, "Link"));
        Assert.Equal(200, final.Status);
        Assert.Equal("final", final.Text);
        Assert.Equal(200, (await client.RequestAsync("/len/1")).Status);
    }

    [Fact(Timeout = 10_000)]
    public async Task Expect100Continue_BodySentAfterThe100_Echoed()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);
        var payload = KeepAliveUpstream.Pattern(50_000);

        await client.SendAsync(Head("/echo", "POST", $"Expect: 100-continue\r\nContent-Length: {payload.Length}\r\n"));
        // A well-behaved client waits for the 100 before the body: it must arrive without it.
        var interim = await client.Reader.ReadHeadAsync();
        Assert.Equal(100, ProxyClient.StatusOf(interim!));
        await client.SendAsync(payload);
        var reply = await client.ReadReplyAsync("POST");

        Assert.Equal(200, reply.Status);
        Assert.Equal(payload, reply.Body);
        Assert.Equal(1, upstream.EchoesAnswered);
        Assert.Equal(KeepAliveUpstream.Pattern(9), (await client.RequestAsync("/len/9")).Body);
    }

    [Fact(Timeout = 10_000)]
    public async Task PostChunkedRequestBody_WithTrailer_Echoed()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        await client.SendAsync(Head("/echo", "POST", "Transfer-Encoding: chunked\r\n")
            + "5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\nX-Client-Trailer: 1\r\n\r\n");
        var reply = await client.ReadReplyAsync("POST");
        var second = await client.RequestAsync("/len/2");

        Assert.Equal(200, reply.Status);
        Assert.Equal("hello 0123456789", reply.Text);
        Assert.Equal(KeepAliveUpstream.Pattern(2), second.Body);
        Assert.Equal(1, upstream.EchoesAnswered);
        Assert.Equal(1, upstream.Accepted);
    }

    // ---- smuggling -------------------------------------------------------------------------

    private const string Smuggled = "GET http://origin.example/len/1 HTTP/1.1\r\nHost: origin.example\r\n\r\n";

    [Theory(Timeout = 10_000)]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n")]
    [InlineData("Content-Length: 5\r\nContent-Length: 6\r\n", "hello")]
    [InlineData("Content-Length: 5, 6\r\n", "hello")]
    [InlineData("Content-Length: 5\r\nX-Folded: a\r\n b\r\n", "hello")]
    [InlineData("X-Folded: a\r\n\tTransfer-Encoding: chunked\r\nContent-Length: 5\r\n", "hello")]
    public async Task AmbiguousRequestHead_400_ConnectionClosed_NothingForwarded(string framing, string body)
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        await client.SendAsync(Head("/echo", "POST", framing) + body + Smuggled);
        var all = Encoding.Latin1.GetString(await client.Reader.ReadToEndAsync());

        Assert.Equal(400, ProxyClient.StatusOf(all));
        Assert.Equal(1, all.Split("HTTP/1.1 ").Length - 1);
        Assert.Empty(upstream.Heads);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("zz")]
    [InlineData("-1")]
    [InlineData("5 junk")]
    [InlineData("0x5")]
    [InlineData("fffffffffffffffff")]
    [InlineData("")]
    public async Task BadChunkSizeInRequestBody_400Quickly_ConnectionClosed_NoSecondRequestSmuggled(string size)
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await client.SendAsync(Head("/echo", "POST", "Transfer-Encoding: chunked\r\n") + $"3\r\nabc\r\n{size}\r\nhello\r\n0\r\n\r\n" + Smuggled);
        var all = Encoding.Latin1.GetString(await client.Reader.ReadToEndAsync());

        Assert.Equal(400, ProxyClient.StatusOf(all));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the 400 took {clock.Elapsed}");
        Assert.Equal(0, upstream.CountRequests("/len/"));
        Assert.Equal(0, upstream.EchoesAnswered);
        // The client's mistake is not the upstream's failure: its health stays, no timeout blamed on it.
        Assert.NotEqual(NetDrift.Engine.Upstreams.UpstreamHealth.Unhealthy, proxy.Pool.All[0].Health);
        Assert.DoesNotContain("Timeout", proxy.Pool.All[0].Counters.LastError?.Message ?? "", StringComparison.Ordinal);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All[0].Counters.ActiveConnections == 0, Quick));
    }

    // ---- stale pooled connections ----------------------------------------------------------

    [Fact(Timeout = 10_000)]
    public async Task PooledConnectionClosedWhileIdle_NextGetStillServed_NoFailure()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        var counters = proxy.Pool.All[0].Counters;

        using (var first = await Client.ConnectAsync(proxy))
        {
            Assert.Equal("ok", (await first.RequestAsync("/drop-after")).Text);
        }
        using var second = await Client.ConnectAsync(proxy);
        var reply = await second.RequestAsync("/len/10");

        Assert.Equal(200, reply.Status);
        Assert.Equal(KeepAliveUpstream.Pattern(10), reply.Body);
        Assert.Equal(2, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
        Assert.Equal(2, upstream.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task PooledConnectionDiesAsTheRequestArrives_IdempotentGetRetriedOnceOnAFreshOne()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        var up = proxy.Pool.All[0];
        using var client = await Client.ConnectAsync(proxy);

        Assert.Equal("ok", (await client.RequestAsync("/drop-next")).Text);
        Assert.Equal(1, up.Connections.IdleCount);
        var reply = await client.RequestAsync("/len/10");

        Assert.Equal(200, reply.Status);
        Assert.Equal(KeepAliveUpstream.Pattern(10), reply.Body);
        // Sent on the dead pooled connection (read, never answered), then once more on a fresh one.
        Assert.Equal(2, upstream.CountRequests("/len/10"));
        Assert.Equal(2, upstream.Accepted);
        Assert.Equal(2, up.Counters.Requests);
        Assert.Equal(2, up.Counters.Succeeded);
        Assert.Equal(0, up.Counters.Failed);
        Assert.Equal(200, (await client.RequestAsync("/len/1")).Status);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("Content-Length: 7\r\n", "payload")]
    [InlineData("Transfer-Encoding: chunked\r\n", "7\r\npayload\r\n0\r\n\r\n")]
    public async Task PostOnAPooledConnectionThatDies_NotReplayed(string framing, string body)
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        Assert.Equal("ok", (await client.RequestAsync("/drop-next")).Text);
        await client.SendAsync(Head("/echo", "POST", framing) + body);
        var all = Encoding.Latin1.GetString(await client.Reader.ReadToEndAsync());

        Assert.Equal(502, ProxyClient.StatusOf(all));
        Assert.Equal(1, upstream.CountRequests("/echo", "POST"));
        Assert.Equal(0, upstream.EchoesAnswered);
        Assert.Equal(1, upstream.Accepted);
    }

    // ---- statistics ------------------------------------------------------------------------

    [Fact(Timeout = 10_000)]
    public async Task Stats_EachPlainRequestIsOneAttempt()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        var counters = proxy.Pool.All[0].Counters;
        using var client = await Client.ConnectAsync(proxy);

        await client.RequestAsync("/len/100");
        await client.RequestAsync("/chunked/100");
        await client.RequestAsync("/echo", "POST", "Content-Length: 0\r\n");
        await client.RequestAsync("/missing");

        Assert.True(await Loopback.WaitUntilAsync(() => counters.ActiveConnections == 0, Quick));
        Assert.Equal(4, counters.Requests);
        Assert.Equal(4, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
        Assert.True(counters.LatencyTotalMicros > 0);
        Assert.True(counters.BytesSent > 4 * "GET http://origin.example/ HTTP/1.1\r\n".Length, $"BytesSent {counters.BytesSent}");
        Assert.True(counters.BytesReceived > 200, $"BytesReceived {counters.BytesReceived}");
    }

    // ---- client connection management --------------------------------------------------------

    [Fact(Timeout = 10_000)]
    public async Task Http10ClientWithoutKeepAlive_ConnectionClose_ThenClosed()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        var reply = await client.RequestAsync("/len/10", version: "HTTP/1.0");

        Assert.Equal(200, reply.Status);
        Assert.Equal("close", reply.Header("Connection"));
        Assert.Equal(KeepAliveUpstream.Pattern(10), reply.Body);
        Assert.True(await client.ClosesAsync());
        // Only the client side closes: the upstream connection stays pooled.
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All[0].Connections.IdleCount == 1, Quick));
    }

    [Fact(Timeout = 10_000)]
    public async Task Http10ClientAskingForKeepAlive_KeptAlive()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        var first = await client.RequestAsync("/len/10", headers: "Connection: keep-alive\r\n", version: "HTTP/1.0");
        var second = await client.RequestAsync("/len/11", headers: "Connection: keep-alive\r\n", version: "HTTP/1.0");

        Assert.Equal("keep-alive", first.Header("Connection"));
        Assert.Equal(KeepAliveUpstream.Pattern(11), second.Body);
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientConnectionClose_Honoured()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = StartProxy(upstream);
        using var client = await Client.ConnectAsync(proxy);

        var first = await client.RequestAsync("/len/10");
        var last = await client.RequestAsync("/chunked/10", headers: "Connection: close\r\n");

        Assert.Equal("keep-alive", first.Header("Connection"));
        Assert.Equal("close", last.Header("Connection"));
        Assert.Equal(KeepAliveUpstream.Pattern(10), last.Body);
        Assert.True(await client.ClosesAsync());
        // The client's Connection: close is hop-by-hop: never forwarded to the upstream.
        Assert.All(upstream.Heads, h => Assert.Null(KeepAliveUpstream.Header(h, "Connection")));
    }
}
