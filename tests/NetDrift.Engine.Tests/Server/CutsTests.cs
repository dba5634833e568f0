using System.Diagnostics;
using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>CONTRACT §10 "Cuts are resets", and an accept loop that backs off when descriptors run out.</summary>
public sealed class CutsTests
{
    [Fact(Timeout = 10_000)]
    public async Task StopAsync_TunnelCutAtDrainTimeout_ClientGetsReset()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, tunnel.Status);
        var clock = Stopwatch.StartNew();

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(1));
        var (_, reset) = await Loopback.ReadToEndAsync(tunnel.Socket);
        await stop.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(reset, "a cut must be a reset, not an ordinary end of stream");
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(2));
    }

    [Fact(Timeout = 10_000)]
    public async Task IdleTimeout_TunnelCut_ClientGetsReset()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "idle_timeout_seconds": 1 }, """);
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, tunnel.Status);

        var (_, reset) = await Loopback.ReadToEndAsync(tunnel.Socket, TimeSpan.FromSeconds(4));

        Assert.True(reset, "an idle cut must be a reset");
    }

    [Fact(Timeout = 10_000)]
    public async Task AcceptLoop_DescriptorsExhausted_BacksOffCountsAndResumes()
    {
        var exhaustedFor = TimeSpan.FromMilliseconds(600);
        var clock = Stopwatch.StartNew();
        var failedAccepts = 0;
        var config = ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:9")));
        // What the kernel answers accept(2) with while the process is at RLIMIT_NOFILE: EMFILE.
        await using var proxy = ProxyServer.Start("test", config, null, (listener, token) =>
        {
            if (clock.Elapsed < exhaustedFor)
            {
                Interlocked.Increment(ref failedAccepts);
                throw new SocketException((int)SocketError.TooManyOpenSockets);
            }
            return listener.AcceptAsync(token);
        });

        // Connected during the exhaustion, the client waits in the backlog and is served after it.
        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /healthz HTTP/1.1\r\n\r\n");

        Assert.InRange(ProxyClient.StatusOf(answer), 200, 503);
        // 5, 10, 20 ... ms: about eight tries in 600 ms, where no back-off spins millions of times.
        Assert.InRange(Volatile.Read(ref failedAccepts), 3, 12);
        Assert.Equal(Volatile.Read(ref failedAccepts), proxy.Counters.RejectedBy[RejectionCause.DescriptorsExhausted]);
        Assert.True(clock.Elapsed >= exhaustedFor);
    }

    [Fact(Timeout = 10_000)]
    public async Task StopAsync_PlainRequestInProgress_FinishesWithinDrainCountedOnce()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(client, "POST http://example.test/echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 10\r\n\r\nhello"u8.ToArray());
        // In progress means on the upstream: its head arrived there. The attempt is counted active
        // from the pick, while a stop still cancels a request whose dial has not finished.
        Assert.True(await Loopback.WaitUntilAsync(() => upstream.Heads.Count == 1));

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        await Loopback.SendAllAsync(client, "world"u8.ToArray());
        var (answer, reset) = await Loopback.ReadToEndAsync(client);
        await stop.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(reset);
        Assert.EndsWith("helloworld", System.Text.Encoding.ASCII.GetString(answer));
        var counters = proxy.Pool.All[0].Counters;
        Assert.Equal(1, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
    }
}
