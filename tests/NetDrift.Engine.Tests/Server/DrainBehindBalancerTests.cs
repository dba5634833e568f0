using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Draining behind a balancer (CONTRACT §11): /healthz answers 503 from the start of a stop or a
/// rebind while open tunnels go on; server.shutdown_delay_seconds keeps accepting that long first.
/// </summary>
public sealed class DrainBehindBalancerTests
{
    private const string HealthzRequest = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    private static ProxyServer StartWithDelay(TestUpstreamProxy upstream, double delaySeconds) =>
        ProxyServer.Start("drain", ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream(upstream.Url))
            .Replace("\"listen_address\": \"127.0.0.1:0\"",
                $"\"listen_address\": \"127.0.0.1:0\", \"shutdown_delay_seconds\": {delaySeconds}", StringComparison.Ordinal)));

    private static async Task<(int Status, string Body)> HealthzAsync(int port)
    {
        var answer = await ProxyClient.SendAndReadAllAsync(port, HealthzRequest);
        return (ProxyClient.StatusOf(answer), answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    [Fact(Timeout = 15_000)]
    public async Task StopAsync_WithShutdownDelay_Healthz503AtOnce_AcceptsAndServesDuringDelay_ThenRefuses()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = StartWithDelay(upstream, 1.5);
        Assert.Equal(TimeSpan.FromSeconds(1.5), proxy.Config.Server.ShutdownDelay);
        Assert.Equal((200, "ok\n"), await HealthzAsync(proxy.Port));
        using var open = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, open.Status);
        var clock = Stopwatch.StartNew();

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(5));

        // The balancer's check sees the drain at once, while the port still accepts and serves.
        Assert.Equal((503, "draining\n"), await HealthzAsync(proxy.Port));
        await ProxyClient.AssertEchoesAsync(open.Socket, "open tunnel flows");
        using (var fresh = await ProxyClient.ConnectAsync(proxy.Port, target.Authority))
        {
            Assert.Equal(200, fresh.Status);
            await ProxyClient.AssertEchoesAsync(fresh.Socket, "new tunnel served during the delay");
        }
        var servedWithin = clock.Elapsed;
        Assert.False(stop.IsCompleted);

        // After the delay the listener closes; the open tunnel still flows through the drain.
        Assert.True(await Loopback.WaitUntilAsync(async () => !await AcceptsAsync(proxy.Port), TimeSpan.FromSeconds(5)));
        var refusedAfter = clock.Elapsed;
        await ProxyClient.AssertEchoesAsync(open.Socket, "still flowing while draining");
        Assert.False(stop.IsCompleted);
        open.Socket.Shutdown(SocketShutdown.Send);
        await Loopback.ReadToEndAsync(open.Socket);
        await stop.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(servedWithin < TimeSpan.FromSeconds(1.5), $"served within {servedWithin}");
        Assert.InRange(refusedAfter, TimeSpan.FromSeconds(1.3), TimeSpan.FromSeconds(4));
        Assert.Equal(ProxyState.Stopped, proxy.State);
    }

    [Fact(Timeout = 10_000)]
    public async Task StopAsync_ExplicitZeroDelay_OverridesConfig_RefusesAtOnce()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = StartWithDelay(upstream, 30);

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(1), shutdownDelay: TimeSpan.Zero);

        await Assert.ThrowsAnyAsync<SocketException>(() => Loopback.ConnectAsync(proxy.Port));
        await stop.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 10_000)]
    public async Task StopAsync_Cancelled_CutsTheDelayShort()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = StartWithDelay(upstream, 30);
        using var cancel = new CancellationTokenSource();

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(1), cancellationToken: cancel.Token);
        Assert.Equal((503, "draining\n"), await HealthzAsync(proxy.Port));
        await cancel.CancelAsync();

        await stop.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(ProxyState.Stopped, proxy.State);
    }

    [Fact(Timeout = 10_000)]
    public async Task Rebind_OldAddressHealthz503ForConnectionsStillThere_NewAddress200()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var oldPort = proxy.Port;
        // Accepted on the old address before the reload; its request comes after.
        using var held = await Loopback.ConnectAsync(oldPort);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 1));

        var newPort = Loopback.ClosedPort();
        proxy.ApplyConfig(ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream(upstream.Url))
            .Replace("127.0.0.1:0", $"127.0.0.1:{newPort}", StringComparison.Ordinal)));
        Assert.Equal(newPort, proxy.Port);

        await Loopback.SendAllAsync(held, Encoding.ASCII.GetBytes(HealthzRequest));
        var (data, _) = await Loopback.ReadToEndAsync(held);
        var answer = Encoding.ASCII.GetString(data);
        Assert.Equal(503, ProxyClient.StatusOf(answer));
        Assert.EndsWith("\r\n\r\ndraining\n", answer, StringComparison.Ordinal);
        Assert.Equal((200, "ok\n"), await HealthzAsync(newPort));
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var socket = await Loopback.ConnectAsync(port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
