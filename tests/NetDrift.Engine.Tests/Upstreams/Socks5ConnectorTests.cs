using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Health;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.Faults;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>The socks5:// connector against the SOCKS5 faulty proxy and a byte-scripted server: handshakes, blame, bound addresses.</summary>
public sealed class Socks5ConnectorTests
{
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    private static Task<AttemptResult> TunnelAsync(string url, string authority, TimeSpan? timeout = null) =>
        new UpstreamConnectors().For(HttpProxyConnectorTests.Config(url))
            .OpenTunnelAsync(HttpProxyConnectorTests.Config(url), authority, UpstreamDeadline.StartingNow(timeout ?? Generous), MaxHeaderBytes, CancellationToken.None);

    private static FaultyProxy Socks(FaultType fault = FaultType.None, string? user = null, string? password = null, int status = 503) =>
        FaultyProxy.Start("socks-" + Guid.NewGuid().ToString("N")[..6],
            new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Socks5, Fault = fault, UserName = user, Password = password, StatusCode = status });

    [Fact]
    public void For_Socks5AndSocks5hSchemes_AreSocks5()
    {
        var connectors = new UpstreamConnectors();
        Assert.IsType<Socks5Connector>(connectors.For(HttpProxyConnectorTests.Config("socks5://127.0.0.1:1080")));
        Assert.IsType<Socks5Connector>(connectors.For(HttpProxyConnectorTests.Config("socks5h://u:p@127.0.0.1")));
        Assert.IsType<HttpProxyConnector>(connectors.For(HttpProxyConnectorTests.Config("http://127.0.0.1:3128")));
        Assert.Equal(1080, HttpProxyConnectorTests.Config("socks5://10.0.0.1").Url.Port);
    }

    [Fact(Timeout = 20_000)]
    public async Task OpenTunnel_NoAuth_EchoesByteExact()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var socks = Socks();
        using var result = await TunnelAsync(socks.Url, target.Authority);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(200, result.Response!.StatusCode);
        using var connection = result.TakeConnection();
        await ProxyClient.AssertEchoesAsync(connection.Socket, "through socks5");
    }

    [Fact(Timeout = 20_000)]
    public async Task OpenTunnel_UrlCredentials_LogsInWithRfc1929()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var socks = Socks(user: "alice", password: "p@ss:w");
        var url = socks.Url.Replace("socks5://", "socks5://alice:p%40ss%3Aw@", StringComparison.Ordinal);
        using var result = await TunnelAsync(url, target.Authority);
        Assert.True(result.Succeeded, result.Message);
        using var connection = result.TakeConnection();
        await ProxyClient.AssertEchoesAsync(connection.Socket, "logged in");
    }

    [Theory(Timeout = 20_000)]
    [InlineData("alice:wrong@")]
    [InlineData("")]
    public async Task OpenTunnel_WrongOrMissingCredentials_IsAnAuthFailure(string userInfo)
    {
        await using var socks = Socks(user: "alice", password: "right");
        using var result = await TunnelAsync(socks.Url.Replace("socks5://", "socks5://" + userInfo, StringComparison.Ordinal), "127.0.0.1:9");
        Assert.Equal(FailureCause.Auth, result.Failure);
    }

    [Theory(Timeout = 20_000)]
    [InlineData(0x03, 502)]
    [InlineData(0x04, 502)]
    [InlineData(0x05, 502)]
    [InlineData(0x06, 504)]
    public async Task OpenTunnel_TargetCode_AnswersStandInStatusAndKeepsTheCode(int code, int status)
    {
        await using var socks = Socks(FaultType.Status, status: code);
        using var result = await TunnelAsync(socks.Url, "127.0.0.1:9");
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(status, result.Response!.StatusCode);
        Assert.Equal((byte)code, result.Socks5TargetCode);
        Assert.Equal(FailureCause.TargetUnreachable, UpstreamFailures.OfAnswer(result.Response));
    }

    [Theory(Timeout = 20_000)]
    [InlineData(FaultType.Status, FailureCause.UpstreamStatus)]
    [InlineData(FaultType.InternalError, FailureCause.UpstreamStatus)]
    [InlineData(FaultType.Garbage, FailureCause.Protocol)]
    [InlineData(FaultType.Reset, FailureCause.Reset)]
    public async Task OpenTunnel_UpstreamFault_IsTheUpstreamsFailure(FaultType fault, FailureCause expected)
    {
        await using var socks = Socks(fault, status: 0x02);
        using var result = await TunnelAsync(socks.Url, "127.0.0.1:9");
        Assert.Equal(expected, result.Failure);
    }

    [Fact(Timeout = 20_000)]
    public async Task OpenTunnel_SilentUpstream_TimesOutWithinTheDeadline()
    {
        await using var socks = Socks(FaultType.Timeout);
        using var result = await TunnelAsync(socks.Url, "127.0.0.1:9", TimeSpan.FromMilliseconds(300));
        Assert.Equal(FailureCause.Timeout, result.Failure);
        Assert.True(result.Latency < TimeSpan.FromSeconds(3), $"took {result.Latency}");
    }

    public static TheoryData<byte[]> BoundAddresses() => new()
    {
        { new byte[] { 0x05, 0x00, 0x00, 0x01, 10, 9, 8, 7, 0x30, 0x39 } },
        { new byte[] { 0x05, 0x00, 0x00, 0x04, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x30, 0x39 } },
        { [0x05, 0x00, 0x00, 0x03, 10, .. "bound.host"u8, 0x30, 0x39] },
    };

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(BoundAddresses))]
    public async Task OpenTunnel_AnyBoundAddressType_TunnelStartsRightAfterTheReply(byte[] reply)
    {
        await using var server = new ScriptedSocks5Server(reply);
        using var result = await TunnelAsync(server.Url, "example.invalid:443");
        Assert.True(result.Succeeded, result.Message);
        using var connection = result.TakeConnection();
        Assert.Equal(0, connection.Input.BufferedCount);
        await ProxyClient.AssertEchoesAsync(connection.Socket, "after the bound address");
    }

    [Fact(Timeout = 20_000)]
    public async Task OpenTunnel_HostName_SentAsDomainNeverResolved()
    {
        await using var server = new ScriptedSocks5Server([0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
        using var result = await TunnelAsync(server.Url, "name.that.never.resolves.invalid:8443");
        Assert.True(result.Succeeded, result.Message);
        Assert.True(server.Requests.TryDequeue(out var request));
        Assert.Equal(new byte[] { 0x05, 0x01, 0x00, 0x03 }, request[..4]);
        Assert.Equal("name.that.never.resolves.invalid", Encoding.ASCII.GetString(request, 5, request[4]));
        Assert.Equal(new byte[] { 0x20, 0xFB }, request[^2..]);
    }

    [Fact(Timeout = 20_000)]
    public async Task PlainRequest_ThroughSocks5Upstream_GoesToTheOriginInOriginForm()
    {
        await using var origin = LoopbackOrigin.StartHttp("hello from origin");
        await using var socks = Socks();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(socks.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, $"GET http://127.0.0.1:{origin.Port}/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, ProxyClient.StatusOf(response));
        Assert.EndsWith("hello from origin", response);
        Assert.True(origin.RequestHeads.TryDequeue(out var head));
        Assert.StartsWith("GET /path?q=1 HTTP/1.1\r\n", head);
        Assert.DoesNotContain("Proxy-Authorization", head);
    }

    [Fact(Timeout = 20_000)]
    public async Task HealthProbe_ConnectAndGet_ThroughSocks5Upstream()
    {
        await using var origin = LoopbackOrigin.StartHttp("ok");
        await using var socks = Socks();
        var connectors = new UpstreamConnectors();
        var config = HttpProxyConnectorTests.Config(socks.Url);
        var get = HealthProbeTarget.Parse($"http://127.0.0.1:{origin.Port}/health")!;
        var connect = HealthProbeTarget.Parse($"https://127.0.0.1:{origin.Port}")!;

        var viaGet = await HealthProbe.RunAsync(connectors, config, get, Generous, MaxHeaderBytes, TimeProvider.System, CancellationToken.None);
        var viaConnect = await HealthProbe.RunAsync(connectors, config, connect, Generous, MaxHeaderBytes, TimeProvider.System, CancellationToken.None);

        Assert.True(viaGet!.Succeeded, viaGet.Message);
        Assert.True(viaConnect!.Succeeded, viaConnect.Message);
        Assert.True(origin.RequestHeads.TryDequeue(out var head));
        Assert.StartsWith("GET /health HTTP/1.1\r\n", head);
    }
}
