using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Issue 13, plain HTTP: every early exit gives the attempt back (1xx to a vanished client,
/// socket creation failing), a non-idempotent request reaches one upstream only, and a kept-alive
/// connection's later heads are held to header_timeout. Loopback only; every wait bounded.
/// </summary>
public sealed class PlainHttpAttemptTests
{
    /// <summary>An upstream that reads one request head, then runs a script on the socket.</summary>
    private sealed class ScriptedUpstream(Func<Socket, Task> script) : LoopbackServer
    {
        private int _heads;

        public string Url => $"http://127.0.0.1:{Port}";

        public int Heads => Volatile.Read(ref _heads);

        protected override async Task HandleAsync(Socket socket)
        {
            var reader = new WireReader(socket, TimeSpan.FromSeconds(10), Stopping);
            while (await reader.ReadHeadAsync() is not null)
            {
                Interlocked.Increment(ref _heads);
                await script(socket);
            }
        }
    }

    private static Task SendAsync(Socket socket, string text) => Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(text));

    [Theory]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", "")]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", "Expect: 100-continue\r\nContent-Length: 5\r\n")]
    public async Task InterimAnswerToAVanishedClient_ReleasesTheAttempt(string interim, string headers)
    {
        var clientGone = new TaskCompletionSource();
        await using var upstream = new ScriptedUpstream(async socket =>
        {
            await clientGone.Task.WaitAsync(TimeSpan.FromSeconds(5));
            await Task.Delay(200);
            // Two sends: the first may still be accepted by the kernel, the second meets the reset.
            await SendAsync(socket, interim);
            await Task.Delay(200);
            await SendAsync(socket, interim);
            await Task.Delay(2000);
        });
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var client = await Loopback.ConnectAsync(proxy.Port);
        await SendAsync(client, $"POST http://example.test/x HTTP/1.1\r\nHost: example.test\r\n{headers}\r\n");
        Assert.True(await Loopback.WaitUntilAsync(() => upstream.Heads == 1));
        Loopback.Reset(client);
        clientGone.SetResult();

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All[0].Counters.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task SocketCreationFailing_Answers503AndReleasesTheAttempt()
    {
        await using var upstream = new ScriptedUpstream(socket => SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        proxy.UpstreamSocketFactory = _ => throw new SocketException((int)SocketError.TooManyOpenSockets);
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await SendAsync(client, "GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n");

        var (answer, _) = await Loopback.ReadToEndAsync(client);
        Assert.StartsWith("HTTP/1.1 503", Encoding.Latin1.GetString(answer));
        var counters = proxy.Pool.All[0].Counters;
        Assert.True(await Loopback.WaitUntilAsync(() => counters.ActiveConnections == 0));
        Assert.Equal(0, upstream.Accepted);
    }

    [Fact]
    public async Task BodylessPostTimingOut_ReachesOneUpstreamOnly()
    {
        var silent = () => new ScriptedUpstream(_ => Task.Delay(3000));
        await using var a = silent();
        await using var b = silent();
        await using var c = silent();
        await using var proxy = TestProxies.Start(
            string.Join(", ", TestProxies.Upstream(a.Url), TestProxies.Upstream(b.Url), TestProxies.Upstream(c.Url)),
            """ "upstream_timeout": 0.5, "retries": 2, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await SendAsync(client, "POST http://example.test/order HTTP/1.1\r\nHost: example.test\r\n\r\n");

        var (answer, _) = await Loopback.ReadToEndAsync(client);
        Assert.StartsWith("HTTP/1.1 504", Encoding.Latin1.GetString(answer));
        Assert.Equal(1, a.Heads + b.Heads + c.Heads);
    }

    [Fact]
    public async Task BodylessGetTimingOut_IsStillRetried()
    {
        var silent = () => new ScriptedUpstream(_ => Task.Delay(3000));
        await using var a = silent();
        await using var b = silent();
        await using var proxy = TestProxies.Start(
            string.Join(", ", TestProxies.Upstream(a.Url), TestProxies.Upstream(b.Url)),
            """ "upstream_timeout": 0.5, "retries": 1, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await SendAsync(client, "GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n");

        var (answer, _) = await Loopback.ReadToEndAsync(client);
        Assert.StartsWith("HTTP/1.1 504", Encoding.Latin1.GetString(answer));
        Assert.Equal(2, a.Heads + b.Heads);
    }

    [Fact]
    public async Task KeptAliveConnection_LaterHeadMustArriveWithinHeaderTimeout()
    {
        await using var upstream = new ScriptedUpstream(socket => SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            """ "limits": { "header_timeout_seconds": 0.5, "idle_timeout_seconds": 30 }, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);
        var reader = new WireReader(client, TimeSpan.FromSeconds(5));
        await SendAsync(client, "GET http://example.test/1 HTTP/1.1\r\nHost: example.test\r\n\r\n");
        Assert.Equal(200, ProxyClient.StatusOf(await reader.ReadHeadAsync() ?? ""));

        // Idle longer than the header timeout: still open (idle_timeout governs the wait for a first byte).
        await Task.Delay(1000);
        await SendAsync(client, "GET http://example.test/2 HTTP/1.1\r\nHost: example.test\r\n\r\n");
        Assert.Equal(200, ProxyClient.StatusOf(await reader.ReadHeadAsync() ?? ""));

        // A head that starts and then stalls is cut after the header timeout, not the idle one.
        await SendAsync(client, "GET http://exa");
        Assert.True(await reader.ClosesAsync(TimeSpan.FromSeconds(3)));
    }
}
