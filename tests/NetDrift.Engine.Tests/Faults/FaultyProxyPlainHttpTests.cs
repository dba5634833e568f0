using System.Text;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;
using static NetDrift.Engine.Tests.TestSupport.ProxyClient;

namespace NetDrift.Engine.Tests.Faults;

/// <summary>Absolute-form plain HTTP through a healthy faulty proxy to a small origin.</summary>
public sealed class FaultyProxyPlainHttpTests : IAsyncLifetime
{
    private readonly LoopbackOrigin _origin = LoopbackOrigin.StartHttp("hello from origin");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Fact]
    public async Task Get_None_RelaysOriginResponse()
    {
        await using var proxy = FaultyProxy.Start("plain", new FaultyProxyOptions());
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, $"GET http://127.0.0.1:{_origin.Port}/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:{_origin.Port}\r\n\r\n");
        var (data, reset) = await Loopback.ReadToEndAsync(socket);
        var response = Encoding.ASCII.GetString(data);

        Assert.False(reset);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.EndsWith("\r\n\r\nhello from origin", response);
    }

    [Fact]
    public async Task Get_None_SendsOriginFormWithoutProxyHeaders()
    {
        await using var proxy = FaultyProxy.Start("plain", new FaultyProxyOptions());
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket,
            $"GET http://127.0.0.1:{_origin.Port}/path?q=1 HTTP/1.1\r\nHost: stale.example\r\n" +
            "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nConnection: keep-alive, X-Hop\r\n" +
            "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-Kept: yes\r\n\r\n");
        await Loopback.ReadToEndAsync(socket);

        Assert.True(_origin.RequestHeads.TryDequeue(out var head));
        Assert.StartsWith("GET /path?q=1 HTTP/1.1\r\n", head);
        Assert.Contains($"\r\nHost: 127.0.0.1:{_origin.Port}\r\n", head);
        Assert.Contains("\r\nX-Kept: yes\r\n", head);
        Assert.Contains("\r\nConnection: close\r\n", head);
        Assert.DoesNotContain("Proxy-", head);
        Assert.DoesNotContain("X-Hop", head);
        Assert.DoesNotContain("Keep-Alive", head);
        Assert.DoesNotContain("stale.example", head);
    }

    [Fact]
    public async Task Get_UnreachableOrigin_Answers502()
    {
        await using var proxy = FaultyProxy.Start("plain", new FaultyProxyOptions());
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        var port = Loopback.ClosedPort();
        await Loopback.SendTextAsync(socket, $"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        var head = await ReadResponseAsync(socket);

        Assert.Equal(502, head.StatusCode);
    }

    [Fact]
    public async Task Get_OriginForm_Answers400()
    {
        await using var proxy = FaultyProxy.Start("plain", new FaultyProxyOptions());
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, "GET /not-a-proxy-request HTTP/1.1\r\nHost: x\r\n\r\n");
        var head = await ReadResponseAsync(socket);

        Assert.Equal(400, head.StatusCode);
    }

    [Fact]
    public async Task Get_Malformed_Answers400()
    {
        await using var proxy = FaultyProxy.Start("plain", new FaultyProxyOptions());
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, "NOT HTTP AT ALL\r\n\r\n");
        var head = await ReadResponseAsync(socket);

        Assert.Equal(400, head.StatusCode);
    }

    [Fact]
    public async Task Get_DropWithBody_CutsResponseAtBudget()
    {
        await using var proxy = FaultyProxy.Start("plain", new FaultyProxyOptions { Fault = FaultType.Drop, AfterBytes = 20 });
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(socket, $"GET http://127.0.0.1:{_origin.Port}/ HTTP/1.1\r\nHost: 127.0.0.1:{_origin.Port}\r\n\r\n");
        var (data, _) = await Loopback.ReadToEndAsync(socket);

        Assert.Equal("HTTP/1.1 200 OK\r\nCon", Encoding.ASCII.GetString(data));
    }
}
