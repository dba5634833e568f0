using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// server.proxy_protocol through a running proxy on loopback: a trusted peer's header makes the
/// carried address the client (per-client limit, routing log), anyone else's header is refused, a
/// trusted peer without one is refused, and a stalled header meets the header timeout.
/// </summary>
public sealed class ProxyProtocolTests
{
    private const string Trusted = """ "server": { "name": "pp", "listen_address": "127.0.0.1:0", "proxy_protocol": { "trusted": [ "127.0.0.1/32" ] } }, """;

    private static (ProxyServer Proxy, CapturingLoggerProvider Log, ILoggerFactory Factory) Start(string upstreamUrl, string extra)
    {
        var json = $$"""
            {
              {{extra}}
              "upstream_proxies": [ {{TestProxies.Upstream(upstreamUrl)}} ],
              "logging": { "level": "Debug" }
            }
            """;
        var log = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(log));
        return (ProxyServer.Start("pp", ConfigLoader.Parse(json), loggerFactory: factory), log, factory);
    }

    private static byte[] V1(string client, int targetPort) =>
        Encoding.ASCII.GetBytes($"PROXY TCP4 {client} 127.0.0.1 40000 {targetPort}\r\n");

    /// <summary>A v2 PROXY header for a TCP client (IPv4 or IPv6), with an ALPN TLV to skip.</summary>
    private static byte[] V2(IPAddress client, int clientPort)
    {
        var destination = client.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        var addresses = client.GetAddressBytes().Concat(destination.GetAddressBytes()).ToList();
        addresses.AddRange([(byte)(clientPort >> 8), (byte)clientPort, 0x0C, 0x38]);
        byte[] tlv = [0x01, 0x00, 0x02, (byte)'h', (byte)'2'];
        var header = new List<byte> { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21 };
        header.Add(client.AddressFamily == AddressFamily.InterNetwork ? (byte)0x11 : (byte)0x21);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)(addresses.Count + tlv.Length));
        return [.. header, .. length, .. addresses, .. tlv];
    }

    private static readonly byte[] V2Local = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00];

    /// <summary>Sends the header and a CONNECT in one write, as a balancer does, and reads the answer head.</summary>
    private static async Task<(Socket Socket, int Status)> ConnectWithHeaderAsync(int proxyPort, byte[] header, int targetPort)
    {
        var socket = await Loopback.ConnectAsync(proxyPort);
        await Loopback.SendAllAsync(socket, header.Concat(Encoding.ASCII.GetBytes(ProxyClient.ConnectRequest(targetPort))).ToArray());
        return (socket, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(socket)));
    }

    [Fact(Timeout = 20_000)]
    public async Task TrustedPeer_CarriedAddress_IsTheClientForThePerClientLimitAndTheLog()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var (proxy, log, factory) = Start(upstream.Url, Trusted + """ "limits": { "max_connections_per_client": 1 }, """);
        using var _ = factory;
        await using var __ = proxy;

        // Every connection comes from 127.0.0.1; without the header's address they would share one count.
        var (first, firstStatus) = await ConnectWithHeaderAsync(proxy.Port, V1("192.0.2.1", echo.Port), echo.Port);
        var (second, secondStatus) = await ConnectWithHeaderAsync(proxy.Port, V2(IPAddress.Parse("2001:db8::7"), 5555), echo.Port);
        var (third, thirdStatus) = await ConnectWithHeaderAsync(proxy.Port, V2(IPAddress.Parse("192.0.2.1"), 5556), echo.Port);
        using (first)
        using (second)
        using (third)
        {
            Assert.Equal(200, firstStatus);
            Assert.Equal(200, secondStatus);
            Assert.Equal(503, thirdStatus); // 192.0.2.1 already holds its one connection
            await ProxyClient.AssertEchoesAsync(first, "through the balancer");
            await ProxyClient.AssertEchoesAsync(second, "over IPv6");
        }

        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.PerClientLimit]);
        Assert.Equal(0, proxy.Counters.RejectedBy[RejectionCause.ProxyProtocol]);
        var routes = log.Messages.Where(m => m.StartsWith("Route for", StringComparison.Ordinal)).ToList();
        Assert.Contains(routes, m => m.StartsWith("Route for 192.0.2.1 ", StringComparison.Ordinal));
        Assert.Contains(routes, m => m.StartsWith("Route for 2001:db8::7 ", StringComparison.Ordinal));
        Assert.DoesNotContain(routes, m => m.StartsWith("Route for 127.0.0.1 ", StringComparison.Ordinal));
    }

    [Theory(Timeout = 20_000)]
    [InlineData("v1 UNKNOWN")]
    [InlineData("v2 LOCAL")]
    public async Task TrustedPeer_HeaderWithoutClient_ThePeerIsTheClient(string kind)
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var (proxy, log, factory) = Start(upstream.Url, Trusted);
        using var _ = factory;
        await using var __ = proxy;
        var header = kind == "v2 LOCAL" ? V2Local : Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n");

        var (socket, status) = await ConnectWithHeaderAsync(proxy.Port, header, echo.Port);
        using (socket)
        {
            Assert.Equal(200, status);
            await ProxyClient.AssertEchoesAsync(socket, kind);
        }

        Assert.Contains(log.Messages, m => m.StartsWith("Route for 127.0.0.1 ", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, byte[]> Refused() => new()
    {
        // name, server section, bytes the client sends
        { "untrusted v1", "", V1("192.0.2.1", 80) },
        { "untrusted v2", "", V2(IPAddress.Parse("192.0.2.1"), 80) },
        { "untrusted v1 before a request", "", [.. V1("192.0.2.1", 80), .. Encoding.ASCII.GetBytes("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n")] },
        { "trusted without a header", Trusted, Encoding.ASCII.GetBytes("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n") },
        { "trusted, malformed v1", Trusted, Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.999 127.0.0.1 1 2\r\nGET http://a/ HTTP/1.1\r\n\r\n") },
        { "trusted, v2 version 3", Trusted, [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x31, 0x11, 0x00, 0x00] },
    };

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(Refused))]
    public async Task WrongHeader_ClosedWithoutAnAnswer_AndCounted(string name, string server, byte[] sent)
    {
        await using var upstream = TestUpstreamProxy.Start();
        // Untrusted: the proxy trusts only a network the test's 127.0.0.1 is not in.
        var section = server.Length > 0 ? server
            : """ "server": { "name": "pp", "listen_address": "127.0.0.1:0", "proxy_protocol": { "trusted": [ "10.0.0.0/8" ] } }, """;
        var (proxy, _, factory) = Start(upstream.Url, section + """ "limits": { "header_timeout_seconds": 2 }, """);
        using var __ = factory;
        await using var ___ = proxy;

        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, sent, TimeSpan.FromSeconds(10));

        Assert.True(answer.Length == 0, $"{name}: answered {answer}");
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.RejectedBy[RejectionCause.ProxyProtocol] == 1), name);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 20_000)]
    public async Task TrustedPeer_StalledHeader_MeetsTheHeaderTimeout()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var (proxy, _, factory) = Start(upstream.Url, Trusted + """ "limits": { "header_timeout_seconds": 0.5 }, """);
        using var __ = factory;
        await using var ___ = proxy;

        using var socket = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(socket, "PROXY TCP4 192.0.2.1 ");
        var (data, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(10));

        Assert.Empty(data);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.RejectedBy[RejectionCause.HeaderTimeout] == 1));
        Assert.Equal(0, proxy.Counters.RejectedBy[RejectionCause.ProxyProtocol]);
    }

    [Fact(Timeout = 20_000)]
    public async Task TrustedPeer_SlowHeader_CountsAgainstTheFirstHeadsTimeout()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var (proxy, _, factory) = Start(upstream.Url, Trusted + """ "limits": { "header_timeout_seconds": 2 }, """);
        using var __ = factory;
        await using var ___ = proxy;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        // 1.6 s of the 2 s go on the header; the stalled head then has what is left, not 2 s more.
        await Loopback.SendTextAsync(socket, "PROXY TCP4 192.0.2.1 ");
        await Task.Delay(TimeSpan.FromSeconds(1.6));
        await Loopback.SendTextAsync(socket, "127.0.0.1 40000 80\r\nGET http://a/ HTTP/1.1\r\n");
        var (data, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(10));

        Assert.Empty(data);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"closed after {clock.Elapsed.TotalSeconds:0.0} s; 2 s from accept expected");
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.RejectedBy[RejectionCause.HeaderTimeout] == 1));
    }

    [Fact(Timeout = 20_000)]
    public async Task TrustedPeer_ConnectAndClose_IsABalancerCheck_NotCounted()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var (proxy, _, factory) = Start(upstream.Url, Trusted);
        using var __ = factory;
        await using var ___ = proxy;

        using (await Loopback.ConnectAsync(proxy.Port))
        {
        }

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 0 && proxy.Counters.TotalConnections == 1));
        Assert.All(proxy.Counters.RejectedBy.Values, count => Assert.Equal(0, count));
    }

    [Fact(Timeout = 20_000)]
    public async Task Reload_TrustedList_AppliesToNewConnections()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var (proxy, _, factory) = Start(upstream.Url, """ "server": { "name": "pp", "listen_address": "127.0.0.1:0" }, """);
        using var __ = factory;
        await using var ___ = proxy;
        var refused = await ProxyClient.SendAndReadAllAsync(proxy.Port, V1("192.0.2.1", echo.Port));
        Assert.Empty(refused);

        var changes = proxy.ApplyConfig(proxy.Config with
        {
            Server = proxy.Config.Server with { ProxyProtocol = new ProxyProtocolConfig { Trusted = [IPNetwork.Parse("127.0.0.0/8")] } },
        });

        Assert.Contains(changes, c => c.Name == "server.proxy_protocol.trusted");
        var (socket, status) = await ConnectWithHeaderAsync(proxy.Port, V1("192.0.2.1", echo.Port), echo.Port);
        using (socket)
        {
            Assert.Equal(200, status);
        }
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.ProxyProtocol]);
    }
}
