using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// CONTRACT §10 "Cuts are resets", on downloads paced at 1 MiB/s: a cut (drain timeout, forced
/// stop, idle timeout) is a TCP reset on both sides, never an ordinary end of stream the client
/// could take for a complete transfer; a response that finishes within the drain is delivered
/// whole; an attempt is counted once however it ends.
/// </summary>
public sealed class SlowDownloadCutsTests
{
    private const int SixteenMiB = 16 * 1024 * 1024;
    private const int Started = 256 * 1024;

    [Theory(Timeout = 15_000)]
    [InlineData(1)]
    [InlineData(0)]
    public async Task StopAsync_TunnelDownloadOutlastsDrain_ResetOnBothSides(int drainSeconds)
    {
        await using var upstream = PacedUpstream.Start(tunnelBytes: SixteenMiB);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, "example.test:443");
        Assert.Equal(200, tunnel.Status);
        await Loopback.ReadExactlyAsync(tunnel.Socket, Started);

        var (received, reset, cutAfter) = await StopAndReadRestAsync(proxy, tunnel.Socket, drainSeconds);

        Assert.True(reset, "the client must see a reset, not an ordinary end of stream");
        Assert.InRange(cutAfter, TimeSpan.FromSeconds(drainSeconds) - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(drainSeconds + 1));
        Assert.True(Started + received < SixteenMiB, $"{Started + received} bytes reached the client: the cut came too late");
        Assert.Equal(PeerEnd.Reset, await upstream.FirstEndAsync(TimeSpan.FromSeconds(3)));
    }

    [Theory(Timeout = 15_000)]
    [InlineData("/len/")]
    [InlineData("/chunked/")]
    public async Task StopAsync_PlainResponseFinishesWithinDrain_DeliveredIntactCountedOnce(string route)
    {
        const int twoSeconds = 2 * 1024 * 1024;
        await using var upstream = PacedUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(client, Encoding.ASCII.GetBytes($"GET http://example.test{route}{twoSeconds} HTTP/1.1\r\nHost: example.test\r\n\r\n"));
        var reader = new WireReader(client);
        var head = await reader.ReadHeadAsync();
        Assert.Equal(200, ProxyClient.StatusOf(head!));
        var counters = proxy.Pool.All[0].Counters;
        Assert.True(await Loopback.WaitUntilAsync(() => counters.BytesReceived >= Started), "the download should be under way");

        var clock = Stopwatch.StartNew();
        var stop = proxy.StopAsync(TimeSpan.FromSeconds(5));
        var body = route == "/len/" ? await reader.ReadExactAsync(twoSeconds) : (await reader.ReadChunkedAsync())!.Value.Body;
        var closed = await reader.ClosesAsync(TimeSpan.FromSeconds(3));
        await stop.WaitAsync(TimeSpan.FromSeconds(6));

        Assert.Equal(KeepAliveUpstream.Pattern(twoSeconds), body);
        Assert.True(closed, "after the drained response the proxy closes the connection");
        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(500), "Stop must wait for the response, not cut it at once");
        Assert.Equal(1, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
    }

    [Theory(Timeout = 15_000)]
    [InlineData("/len/")]
    [InlineData("/chunked/")]
    public async Task StopAsync_PlainResponseOutlastsDrain_ResetOnBothSidesCountedOnce(string route)
    {
        await using var upstream = PacedUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(client, Encoding.ASCII.GetBytes($"GET http://example.test{route}{SixteenMiB} HTTP/1.1\r\nHost: example.test\r\n\r\n"));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(client)));
        await Loopback.ReadExactlyAsync(client, Started);

        var (received, reset, cutAfter) = await StopAndReadRestAsync(proxy, client, drainSeconds: 1);

        Assert.True(reset, "the client must see a reset, not an ordinary end of stream");
        Assert.InRange(cutAfter, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(2));
        Assert.True(Started + received < SixteenMiB, $"{Started + received} bytes reached the client: the cut came too late");
        Assert.Equal(PeerEnd.Reset, await upstream.FirstEndAsync(TimeSpan.FromSeconds(3)));
        var counters = proxy.Pool.All[0].Counters;
        Assert.Equal(1, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
    }

    [Fact(Timeout = 15_000)]
    public async Task IdleTimeout_SilentTunnel_ResetOnBothSides()
    {
        await using var upstream = PacedUpstream.Start(tunnelBytes: 0);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "idle_timeout_seconds": 1 }, """);
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, "example.test:443");
        Assert.Equal(200, tunnel.Status);

        var (_, reset) = await Loopback.ReadToEndAsync(tunnel.Socket, TimeSpan.FromSeconds(5));

        Assert.True(reset, "an idle cut must be a reset for the client");
        Assert.Equal(PeerEnd.Reset, await upstream.FirstEndAsync(TimeSpan.FromSeconds(3)));
    }

    [Fact(Timeout = 15_000)]
    public async Task IdleTimeout_StalledPlainResponse_ResetOnBothSidesCountedOnce()
    {
        await using var upstream = PacedUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "idle_timeout_seconds": 1 }, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(client, Encoding.ASCII.GetBytes($"GET http://example.test/stall/{SixteenMiB} HTTP/1.1\r\nHost: example.test\r\n\r\n"));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(client)));

        var (received, reset) = await Loopback.ReadToEndAsync(client, TimeSpan.FromSeconds(5));

        Assert.True(reset, "an idle cut must be a reset for the client");
        Assert.Equal(PacedUpstream.Piece, received.Length);
        Assert.Equal(PeerEnd.Reset, await upstream.FirstEndAsync(TimeSpan.FromSeconds(3)));
        var counters = proxy.Pool.All[0].Counters;
        Assert.True(await Loopback.WaitUntilAsync(() => counters.ActiveConnections == 0));
        Assert.Equal(1, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
    }

    /// <summary>Stops the proxy and reads what is left: bytes, whether it ended in a reset, and when.</summary>
    private static async Task<(int Received, bool Reset, TimeSpan CutAfter)> StopAndReadRestAsync(ProxyServer proxy, Socket client, int drainSeconds)
    {
        var clock = Stopwatch.StartNew();
        var stop = proxy.StopAsync(TimeSpan.FromSeconds(drainSeconds));
        var (rest, reset) = await Loopback.ReadToEndAsync(client, TimeSpan.FromSeconds(drainSeconds + 5));
        var cutAfter = clock.Elapsed;
        await stop.WaitAsync(TimeSpan.FromSeconds(5));
        return (rest.Length, reset, cutAfter);
    }
}
