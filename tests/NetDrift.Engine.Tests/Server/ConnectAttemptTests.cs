using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Issue 13, CONNECT: socket creation failing (out of descriptors) gives the attempt back and
/// blames nobody upstream, as for plain HTTP (<see cref="PlainHttpAttemptTests"/>). Loopback only;
/// every wait bounded.
/// </summary>
public sealed class ConnectAttemptTests
{
    private static SocketException OutOfDescriptors() => new((int)SocketError.TooManyOpenSockets);

    [Fact]
    public async Task SocketCreationFailing_Answers503AndReleasesTheAttempt()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var target = TcpTargetServer.StartEcho();
        // One failure would be enough to make it Unhealthy, were it blamed.
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "health_check": { "failure_threshold": 1 }, """);
        proxy.UpstreamSocketFactory = _ => throw OutOfDescriptors();
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(client, Encoding.Latin1.GetBytes($"CONNECT {target.Authority} HTTP/1.1\r\nHost: {target.Authority}\r\n\r\n"));

        var (answer, _) = await Loopback.ReadToEndAsync(client);
        Assert.StartsWith("HTTP/1.1 503", Encoding.Latin1.GetString(answer));
        var row = proxy.Pool.All[0];
        Assert.True(await Loopback.WaitUntilAsync(() => row.Counters.ActiveConnections == 0));
        Assert.NotEqual(UpstreamHealth.Unhealthy, row.Health);
        Assert.Equal(1, row.Counters.Snapshot(StatsWindow.Lifetime).FailedBy[FailureCause.Cancelled]);
        Assert.Equal(0, upstream.Accepted);
    }

    [Fact]
    public async Task SocketCreationFailing_ForARemovedUpstream_FinishesItsDrain()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var target = TcpTargetServer.StartEcho();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var dialing = new ManualResetEventSlim();
        using var fail = new ManualResetEventSlim();
        proxy.UpstreamSocketFactory = _ =>
        {
            dialing.Set();
            fail.Wait(TimeSpan.FromSeconds(5));
            throw OutOfDescriptors();
        };
        var row = proxy.Pool.All[0];
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(client, Encoding.Latin1.GetBytes($"CONNECT {target.Authority} HTTP/1.1\r\nHost: {target.Authority}\r\n\r\n"));
        Assert.True(await Task.Run(() => dialing.Wait(TimeSpan.FromSeconds(5))));
        Assert.True(proxy.RemoveUpstream(row.Name));
        Assert.Equal(UpstreamState.Draining, row.State);
        fail.Set();

        var (answer, _) = await Loopback.ReadToEndAsync(client);
        Assert.StartsWith("HTTP/1.1 503", Encoding.Latin1.GetString(answer));
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.Find(row.Name) is null), "the removed upstream stayed Draining");
        Assert.Equal(0, row.Counters.ActiveConnections);
    }
}
