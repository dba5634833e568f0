using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>What NetDrift answers by itself before any upstream is involved: 400, 403, 407, 431, header timeout.</summary>
public sealed class ClientConnectionHandlerTests
{
    private const string Users = """
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "s3cret" } ] },
        """;

    [Fact(Timeout = 10_000)]
    public async Task Connect_NoCredentials_407ChallengeNotCountedAsFailure()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        // The challenge keeps the connection open (ChallengeKeepAliveTests): read its body by length.
        var length = int.Parse(KeepAliveUpstream.Header(answer.Head, "Content-Length")!, System.Globalization.CultureInfo.InvariantCulture);
        var body = await Loopback.ReadExactlyAsync(answer.Socket, length);

        Assert.Equal(407, answer.Status);
        Assert.Contains("\r\nProxy-Authenticate: Basic realm=\"NetDrift\"\r\n", answer.Head, StringComparison.Ordinal);
        Assert.Equal("proxy authentication required\n", Encoding.ASCII.GetString(body));
        Assert.Equal(0, proxy.Counters.AuthFailures);
        Assert.Equal(0, upstream.Accepted);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("alice", "wrong")]
    [InlineData("bob", "s3cret")]
    [InlineData("ALICE", "s3cret")]
    [InlineData("alice", "s3cret ")]
    public async Task Connect_WrongCredentials_407AndOneAuthFailure(string user, string password)
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, ProxyClient.Basic(user, password));

        Assert.Equal(407, answer.Status);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"NetDrift\"", answer.Head, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Counters.AuthFailures);
        Assert.Equal(0, upstream.Accepted);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("Bearer abc")]
    [InlineData("Basic !!!")]
    public async Task Connect_UnparsableCredentials_407AndOneAuthFailure(string header)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9", header);

        Assert.Equal(407, answer.Status);
        Assert.Equal(1, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_RightCredentials_200AndTunnelWorks()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, ProxyClient.Basic("alice", "s3cret"));
        await Loopback.SendAllAsync(answer.Socket, "ping"u8.ToArray());

        Assert.Equal(200, answer.Status);
        Assert.Equal("ping"u8.ToArray(), await Loopback.ReadExactlyAsync(answer.Socket, 4));
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("CONNECT example.com HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT example.com:0 HTTP/1.1\r\n\r\n")]
    [InlineData("GET https://example.com/ HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT example.com:443 HTTP/1.1\r\nHost : x\r\n\r\n")]
    [InlineData("CONNECT example.com:443 HTTP/1.1\r\nX: a\r\n folded\r\n\r\n")]
    [InlineData("CONNECT example.com:443 HTTP/2.0\r\n\r\n")]
    [InlineData("OPTIONS * HTTP/1.1\r\n\r\n")]
    public async Task Request_Malformed_400(string request)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, request);

        Assert.Equal(400, ProxyClient.StatusOf(response));
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
        Assert.Equal(0, upstream.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task Request_ClosedMidHead_400()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendAllAsync(socket, "CONNECT example.com:443 HTTP/1.1\r\nHo"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        var (response, _) = await Loopback.ReadToEndAsync(socket);

        Assert.Equal(400, ProxyClient.StatusOf(Encoding.ASCII.GetString(response)));
    }

    [Fact(Timeout = 10_000)]
    public async Task Request_HeadOverMaxHeaderBytes_431()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "max_header_bytes": 1024 }, """);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "CONNECT example.com:443 HTTP/1.1\r\nX-Pad: " + new string('a', 2000) + "\r\n\r\n");

        Assert.Equal(431, ProxyClient.StatusOf(response));
        Assert.Equal(0, upstream.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task Request_HeadJustUnderMaxHeaderBytes_Served()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "max_header_bytes": 1024 }, """);
        var prefix = $"CONNECT {target.Authority} HTTP/1.1\r\nX-Pad: ";
        var head = prefix + new string('a', 1024 - prefix.Length - 4) + "\r\n\r\n";
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(head));

        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(socket)));
    }

    [Fact(Timeout = 10_000)]
    public async Task Request_MoreHeadersThanMaxHeaderCount_431()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "max_header_count": 8 }, """);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "CONNECT example.com:443 HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, 9).Select(i => $"X-{i}: v\r\n")) + "\r\n");

        Assert.Equal(431, ProxyClient.StatusOf(response));
    }

    [Fact(Timeout = 10_000)]
    public async Task Request_SilentClient_DisconnectedAfterHeaderTimeout()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "header_timeout_seconds": 0.5 }, """);
        // The proxy's deadline starts at accept, which can run before this continuation does.
        var clock = Stopwatch.StartNew();
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var (data, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(4));

        Assert.Empty(data);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2));
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 0));
    }

    [Fact(Timeout = 10_000)]
    public async Task Request_SlowLorisClient_DisconnectedAtHeaderDeadline()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "header_timeout_seconds": 0.5 }, """);
        // The proxy's deadline starts at accept, which can run before this continuation does.
        var clock = Stopwatch.StartNew();
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var trickle = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 30; i++)
                {
                    await socket.SendAsync("X"u8.ToArray(), SocketFlags.None);
                    await Task.Delay(100);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Disconnected by the proxy (or by us, once the test has seen the EOF).
            }
        });
        var (_, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(4));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2));
        socket.Dispose();
        await trickle.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_PortNotAllowed_403AndUpstreamUntouched()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "allowed_ports": [ 443 ], """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);

        Assert.Equal(403, answer.Status);
        Assert.Equal(0, upstream.Accepted);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_PortAllowed_200()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), $$""" "allowed_ports": [ 443, {{target.Port}} ], """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);

        Assert.Equal(200, answer.Status);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_AuthCheckedBeforePortPolicy_407()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users + """ "allowed_ports": [ 443 ], """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:25");

        Assert.Equal(407, answer.Status);
    }

    [Fact(Timeout = 10_000)]
    public async Task Healthz_OpenWithoutCredentials_200()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal(200, ProxyClient.StatusOf(response));
    }

    [Fact(Timeout = 10_000)]
    public async Task Healthz_NoUpstreamInRotation_503()
    {
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9", weight: 0));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal(503, ProxyClient.StatusOf(response));
    }
}
