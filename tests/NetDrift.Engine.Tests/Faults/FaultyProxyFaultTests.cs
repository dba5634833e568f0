using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;
using static NetDrift.Engine.Tests.TestSupport.ProxyClient;

namespace NetDrift.Engine.Tests.Faults;

/// <summary>Each fault of CONTRACT §6, seen from a raw client that sends CONNECT.</summary>
public sealed class FaultyProxyFaultTests : IAsyncLifetime
{
    private readonly LoopbackOrigin _echo = LoopbackOrigin.StartEcho();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _echo.DisposeAsync();

    [Fact]
    public async Task Connect_None_TunnelsToTarget()
    {
        await using var proxy = Start(FaultType.None);
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        await AssertEchoesAsync(tunnel, "hello through the tunnel");
        await AssertEchoesAsync(tunnel, "and again");
    }

    [Fact]
    public async Task Connect_NoneAfterClientHalfClose_TargetAnswerStillArrives()
    {
        await using var proxy = Start(FaultType.None);
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        await Loopback.SendTextAsync(tunnel, "last words");
        tunnel.Shutdown(SocketShutdown.Send);
        var (data, reset) = await Loopback.ReadToEndAsync(tunnel);

        Assert.False(reset);
        Assert.Equal("last words", Encoding.ASCII.GetString(data));
    }

    [Fact]
    public async Task Connect_NoneToClosedPort_Answers502()
    {
        await using var proxy = Start(FaultType.None);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, Loopback.ClosedPort());

        Assert.Equal(502, head.StatusCode);
    }

    [Fact]
    public async Task Connect_Slow_WaitsLatencyTwice()
    {
        await using var proxy = Start(FaultType.Slow, o => o with { Latency = TimeSpan.FromMilliseconds(100) });

        var (head, elapsed) = await TimeConnectAsync(proxy.Port, _echo.Port);

        Assert.Equal(200, head.StatusCode);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(195), $"answered after {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Connect_SlowWithBytesPerSecond_PacesTheRelay()
    {
        await using var proxy = Start(FaultType.Slow, o => o with { BytesPerSecond = 2000 });
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);
        var clock = Stopwatch.StartNew();

        // 400 bytes at 2000 B/s: two 200-byte chunks, each allowed 100 ms after the last.
        await AssertEchoesAsync(tunnel, new string('s', 400));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"relayed in {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Connect_Reset_ResetsWithoutAnswer()
    {
        await using var proxy = Start(FaultType.Reset);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, ConnectRequest(_echo.Port));
        var (data, reset) = await Loopback.ReadToEndAsync(socket);

        Assert.Empty(data);
        Assert.True(reset, "expected a TCP reset, got an orderly close");
    }

    [Fact]
    public async Task Connect_Timeout_NeverAnswers()
    {
        await using var proxy = Start(FaultType.Timeout);
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(socket, ConnectRequest(_echo.Port));

        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var read = socket.ReceiveAsync(new byte[16], SocketFlags.None, wait.Token).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.ActiveConnections == 1));
    }

    [Theory]
    [InlineData(FaultType.BadGateway, 502, "Bad Gateway")]
    [InlineData(FaultType.InternalError, 500, "Internal Server Error")]
    public async Task Connect_ErrorFault_AnswersItsStatusAndCloses(FaultType fault, int status, string reason)
    {
        await using var proxy = Start(fault);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, ConnectRequest(_echo.Port));
        var (data, reset) = await Loopback.ReadToEndAsync(socket);

        Assert.False(reset);
        Assert.StartsWith($"HTTP/1.1 {status} {reason}\r\n", Encoding.ASCII.GetString(data));
    }

    [Theory]
    [InlineData(503, "Service Unavailable")]
    [InlineData(429, "Too Many Requests")]
    [InlineData(418, "I'm a teapot")]
    [InlineData(599, "Server Error")]
    public async Task Connect_Status_AnswersStatusCode(int status, string reason)
    {
        await using var proxy = Start(FaultType.Status, o => o with { StatusCode = status });
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var head = await ConnectThroughAsync(socket, _echo.Port);
        var (_, reset) = await Loopback.ReadToEndAsync(socket);

        Assert.Equal(status, head.StatusCode);
        Assert.Equal(reason, head.ReasonPhrase);
        Assert.False(reset);
    }

    [Fact]
    public async Task Connect_StatusWithoutBodyCode_AnswersBareHead()
    {
        await using var proxy = Start(FaultType.Status, o => o with { StatusCode = 204 });
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, ConnectRequest(_echo.Port));
        var (data, _) = await Loopback.ReadToEndAsync(socket);

        Assert.Equal("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", Encoding.ASCII.GetString(data));
    }

    [Fact]
    public async Task Connect_Garbage_AnswersBytesThatAreNotHttp()
    {
        await using var proxy = Start(FaultType.Garbage);
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, ConnectRequest(_echo.Port));
        var (data, reset) = await Loopback.ReadToEndAsync(socket);

        Assert.False(reset);
        Assert.True(data.Length >= 64, $"only {data.Length} bytes");
        Assert.False(data.AsSpan().StartsWith("HTTP/"u8));
    }

    [Fact]
    public async Task Connect_Drop_CutsTunnelAfterExactlyAfterBytes()
    {
        await using var proxy = Start(FaultType.Drop, o => o with { AfterBytes = 100 });
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        // 60 bytes go up and come back; only 40 of the echo fit in the 100-byte budget.
        await Loopback.SendTextAsync(tunnel, new string('d', 60));
        var (data, _) = await Loopback.ReadToEndAsync(tunnel);

        Assert.Equal(40, data.Length);
    }

    [Fact]
    public async Task Connect_DropBeforeBudget_RelaysNormally()
    {
        await using var proxy = Start(FaultType.Drop, o => o with { AfterBytes = 1000 });
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        await AssertEchoesAsync(tunnel, new string('a', 200));
        await AssertEchoesAsync(tunnel, new string('b', 200));
        // 200 bytes of budget left: at most 100 of them can come back as echo before the cut.
        await Loopback.SendTextAsync(tunnel, new string('c', 700));
        var (data, _) = await Loopback.ReadToEndAsync(tunnel);

        Assert.InRange(data.Length, 0, 100);
    }

    [Fact]
    public async Task Connect_DropZeroBytes_ClosesRightAfterEstablished()
    {
        await using var proxy = Start(FaultType.Drop, o => o with { AfterBytes = 0 });
        using var tunnel = await OpenTunnelAsync(proxy.Port, _echo.Port);

        var (data, _) = await Loopback.ReadToEndAsync(tunnel);

        Assert.Empty(data);
    }

    [Fact]
    public async Task Connect_Refuse_ConnectionRefused()
    {
        await using var proxy = Start(FaultType.Refuse);

        var error = await Assert.ThrowsAsync<SocketException>(() => Loopback.ConnectAsync(proxy.Port));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.True(proxy.Port > 0);
        Assert.Equal(0, proxy.Connections);
    }

    private static FaultyProxy Start(FaultType fault, Func<FaultyProxyOptions, FaultyProxyOptions>? tweak = null)
    {
        var options = new FaultyProxyOptions { Fault = fault };
        return FaultyProxy.Start("faults-" + fault, tweak is null ? options : tweak(options));
    }
}
