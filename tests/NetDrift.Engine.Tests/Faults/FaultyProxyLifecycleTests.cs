using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;
using static NetDrift.Engine.Tests.TestSupport.ProxyClient;

namespace NetDrift.Engine.Tests.Faults;

/// <summary>Start, counters, rate, latency, live updates and stop.</summary>
public sealed class FaultyProxyLifecycleTests : IAsyncLifetime
{
    private readonly LoopbackOrigin _echo = LoopbackOrigin.StartEcho();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    [Fact]
    public async Task Start_PortZero_ReportsRealPortAndUrl()
    {
        await using var proxy = FaultyProxy.Start("lifecycle", new FaultyProxyOptions { Fault = FaultType.BadGateway });

        Assert.Equal("lifecycle", proxy.Name);
        Assert.NotEqual(0, proxy.Port);
        Assert.Equal($"http://127.0.0.1:{proxy.Port}", proxy.Url);
        Assert.Equal(FaultType.BadGateway, proxy.Fault);
        Assert.True(proxy.IsRunning);
        Assert.Equal(0, proxy.Connections);
    }

    [Fact]
    public async Task Start_AnyAddress_UrlShowsLoopback()
    {
        await using var proxy = FaultyProxy.Start("any", new FaultyProxyOptions(), address: IPAddress.Any);

        Assert.Equal($"http://127.0.0.1:{proxy.Port}", proxy.Url);
    }

    [Fact]
    public async Task Start_PortInUse_ThrowsSocketException()
    {
        await using var first = FaultyProxy.Start("first", new FaultyProxyOptions());

        var error = Assert.Throws<SocketException>(() => FaultyProxy.Start("second", new FaultyProxyOptions(), first.Port));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public void Start_InvalidOptions_ThrowsNamingProperty()
    {
        var error = Assert.Throws<ArgumentException>(() => FaultyProxy.Start("bad", new FaultyProxyOptions { FailureRate = 2 }));

        Assert.Equal(nameof(FaultyProxyOptions.FailureRate), error.ParamName);
    }

    [Fact]
    public async Task Connections_SeveralClients_CountsTotalAndActive()
    {
        await using var proxy = FaultyProxy.Start("count", new FaultyProxyOptions());
        using (var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port))
        {
            using var second = await OpenTunnelAsync(proxy.Port, _echo.Port);
            await AssertEchoesAsync(second, "x");
            Assert.Equal(2, proxy.ActiveConnections);
        }
        using (var third = await OpenTunnelAsync(proxy.Port, _echo.Port))
        {
            await AssertEchoesAsync(third, "y");
        }

        Assert.Equal(3, proxy.Connections);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.ActiveConnections == 0));
    }

    [Fact]
    public async Task FailureRateZero_ErrorFault_BehavesAsNone()
    {
        await using var proxy = FaultyProxy.Start("rate0", new FaultyProxyOptions { Fault = FaultType.BadGateway, FailureRate = 0 });
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        await AssertEchoesAsync(tunnel, "healthy after all");
    }

    [Fact]
    public async Task FailureRateHalf_SeededRandom_StrikesSomeConnections()
    {
        var options = new FaultyProxyOptions { Fault = FaultType.BadGateway, FailureRate = 0.5 };
        await using var proxy = FaultyProxy.Start("rate50", options, random: new Random(7));
        var statuses = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            using var socket = await Loopback.ConnectAsync(proxy.Port);
            statuses.Add((await ConnectThroughAsync(socket, _echo.Port)).StatusCode);
        }

        Assert.Contains(200, statuses);
        Assert.Contains(502, statuses);
        Assert.All(statuses, s => Assert.True(s is 200 or 502));
    }

    [Fact]
    public async Task Latency_None_DelaysAnswerByAtLeastLatency()
    {
        await using var proxy = FaultyProxy.Start("latency", new FaultyProxyOptions { Latency = TimeSpan.FromMilliseconds(200) });

        var (head, elapsed) = await TimeConnectAsync(proxy.Port, _echo.Port);

        Assert.Equal(200, head.StatusCode);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(195), $"answered after {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Latency_ErrorFault_DelaysErrorToo()
    {
        var options = new FaultyProxyOptions { Fault = FaultType.InternalError, Latency = TimeSpan.FromMilliseconds(150), Jitter = TimeSpan.FromMilliseconds(50) };
        await using var proxy = FaultyProxy.Start("latency", options);

        var (head, elapsed) = await TimeConnectAsync(proxy.Port, _echo.Port);

        Assert.Equal(500, head.StatusCode);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(145), $"answered after {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Update_ErrorFault_AppliesToNewConnectionsOnly()
    {
        await using var proxy = FaultyProxy.Start("live", new FaultyProxyOptions());
        using var before = await OpenTunnelAsync(proxy.Port, _echo.Port);

        proxy.Update(new FaultyProxyOptions { Fault = FaultType.BadGateway });
        using var after = await Loopback.ConnectAsync(proxy.Port);

        Assert.Equal(502, (await ConnectThroughAsync(after, _echo.Port)).StatusCode);
        await AssertEchoesAsync(before, "still open");
        Assert.Equal(FaultType.BadGateway, proxy.Fault);
    }

    [Fact]
    public async Task Update_ToRefuseAndBack_SamePortRefusesThenServes()
    {
        await using var proxy = FaultyProxy.Start("refuse", new FaultyProxyOptions { Fault = FaultType.BadGateway });
        var port = proxy.Port;
        using (var first = await Loopback.ConnectAsync(port))
        {
            // The proxy closes first, leaving TIME_WAIT on its port: rebinding must still work.
            await Loopback.SendTextAsync(first, ConnectRequest(_echo.Port));
            await Loopback.ReadToEndAsync(first);
        }

        proxy.Update(new FaultyProxyOptions { Fault = FaultType.Refuse });
        var refused = await Assert.ThrowsAsync<SocketException>(() => Loopback.ConnectAsync(port));
        proxy.Update(new FaultyProxyOptions { Fault = FaultType.Status, StatusCode = 429 });
        using var socket = await Loopback.ConnectAsync(port);

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(429, (await ConnectThroughAsync(socket, _echo.Port)).StatusCode);
        Assert.Equal(port, proxy.Port);
        Assert.True(proxy.IsRunning);
    }

    [Fact]
    public async Task Update_FromStartedRefuse_ListensOnReservedPort()
    {
        await using var proxy = FaultyProxy.Start("refuse", new FaultyProxyOptions { Fault = FaultType.Refuse });

        proxy.Update(new FaultyProxyOptions());
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        await AssertEchoesAsync(tunnel, "listening now");
    }

    [Fact]
    public async Task Update_InvalidOptions_ThrowsAndKeepsCurrent()
    {
        await using var proxy = FaultyProxy.Start("keep", new FaultyProxyOptions { Fault = FaultType.Garbage });

        var error = Assert.Throws<ArgumentException>(() => proxy.Update(new FaultyProxyOptions { StatusCode = 42 }));

        Assert.Equal(nameof(FaultyProxyOptions.StatusCode), error.ParamName);
        Assert.Equal(FaultType.Garbage, proxy.Fault);
    }

    [Fact]
    public async Task Update_AfterStop_Throws()
    {
        var proxy = FaultyProxy.Start("stopped", new FaultyProxyOptions());
        await proxy.StopAsync();

        Assert.Throws<InvalidOperationException>(() => proxy.Update(new FaultyProxyOptions()));
    }

    [Fact]
    public async Task StopAsync_OpenTunnelAndHeldConnection_ClosesBothQuickly()
    {
        var proxy = FaultyProxy.Start("stop", new FaultyProxyOptions());
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);
        await AssertEchoesAsync(tunnel, "before stop");
        proxy.Update(new FaultyProxyOptions { Fault = FaultType.Timeout });
        using var held = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(held, ConnectRequest(_echo.Port));
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.ActiveConnections == 2));

        await proxy.StopAsync().WaitAsync(Loopback.DefaultTimeout);
        var (tunnelData, _) = await Loopback.ReadToEndAsync(tunnel);
        var (heldData, _) = await Loopback.ReadToEndAsync(held);

        Assert.Empty(tunnelData);
        Assert.Empty(heldData);
        Assert.False(proxy.IsRunning);
        Assert.Equal(0, proxy.ActiveConnections);
        var refused = await Assert.ThrowsAsync<SocketException>(() => Loopback.ConnectAsync(proxy.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task StopAsync_DuringLatency_DoesNotWaitItOut()
    {
        var proxy = FaultyProxy.Start("stop", new FaultyProxyOptions { Latency = TimeSpan.FromMinutes(5) });
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.ActiveConnections == 1));

        await proxy.StopAsync().WaitAsync(Loopback.DefaultTimeout);

        Assert.Equal(0, proxy.ActiveConnections);
    }

    [Fact]
    public async Task StopAsync_CalledTwice_IsIdempotent()
    {
        var proxy = FaultyProxy.Start("twice", new FaultyProxyOptions { Fault = FaultType.Refuse });

        await proxy.StopAsync();
        await proxy.StopAsync();
        await proxy.DisposeAsync();

        Assert.False(proxy.IsRunning);
    }
}
