using System.Net.Sockets;
using System.Text.Json;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// The access log of SOCKS5 clients (CONTRACT §10): one line per connection (protocol Socks5,
/// method CONNECT) and a refusal line with its cause for each refusal, and the gate's refusals on
/// the HTTP path (route deny 403, user limits 429) with theirs.
/// </summary>
public sealed class Socks5AccessLogTests : IAsyncDisposable
{
    private const string Password = "S0cksL0gSecret";
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("netdrift-accesslog-socks5-").FullName, "access.log");

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
        return ValueTask.CompletedTask;
    }

    private static string Auth(string limits = "") =>
        $$""" "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "{{Password}}" {{limits}} } ] }, """;

    private static string Status(JsonElement line) => $"{line.GetProperty("status").GetInt32()} {line.GetProperty("cause").GetString()}";

    [Fact(Timeout = 15_000)]
    public async Task Socks5Tunnel_WhenItEnds_OneLineWithProtocolMethodTargetUpstreamAndBytes()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Auth() + AccessLogTests.Section(_path));

        using (var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port), ("alice", Password)))
        {
            Assert.Equal((byte)0x00, socks.Reply);
            await ProxyClient.AssertEchoesAsync(socks.Socket, "twelve bytes");
            socks.Socket.Shutdown(SocketShutdown.Send);
            await Loopback.ReadToEndAsync(socks.Socket);
        }

        var line = AccessLogTests.Json(Assert.Single(await AccessLogTests.WaitForLinesAsync(_path, 1)));
        Assert.Equal("Socks5", line.GetProperty("protocol").GetString());
        Assert.Equal("CONNECT", line.GetProperty("method").GetString());
        Assert.Equal(target.Authority, line.GetProperty("target").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal("alice", line.GetProperty("user").GetString());
        Assert.Equal(upstream.Name, line.GetProperty("upstream").GetString());
        Assert.Equal((12L, 12L), (line.GetProperty("bytes_sent").GetInt64(), line.GetProperty("bytes_received").GetInt64()));
    }

    [Fact(Timeout = 20_000)]
    public async Task Socks5Refusals_OneLineEachWithTheirCause()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Auth() + AccessLogTests.Section(_path) +
            """ "allowed_ports": [ 443, 80 ], "routes": [ { "name": "blocked", "match": ["denied.test"], "action": "deny" } ], """);

        using (var wrong = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("a.test", 443), ("alice", "nope")))
        {
            Assert.False(wrong.LoginAccepted);
        }
        using (var noMethod = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("a.test", 443)))
        {
            Assert.Equal(0xFF, noMethod.Method);
        }
        using (var denied = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("denied.test", 443), ("alice", Password)))
        {
            Assert.Equal((byte)0x02, denied.Reply);
        }
        using (var port = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("a.test", 25), ("alice", Password)))
        {
            Assert.Equal((byte)0x02, port.Reply);
        }

        var lines = (await AccessLogTests.WaitForLinesAsync(_path, 4)).Select(AccessLogTests.Json).ToArray();
        Assert.All(lines, l => Assert.Equal("Socks5", l.GetProperty("protocol").GetString()));
        var byCause = lines.ToDictionary(l => l.GetProperty("cause").GetString()!);
        Assert.Equal(["NoAcceptableMethod", "PortNotAllowed", "RouteDenied", "WrongCredentials"], byCause.Keys.Order().ToArray());
        Assert.Equal("407 WrongCredentials", Status(byCause["WrongCredentials"]));
        Assert.Equal("407 NoAcceptableMethod", Status(byCause["NoAcceptableMethod"]));
        Assert.Equal(("403 RouteDenied", "denied.test:443", "alice"),
            (Status(byCause["RouteDenied"]), byCause["RouteDenied"].GetProperty("target").GetString(), byCause["RouteDenied"].GetProperty("user").GetString()));
        Assert.Equal(("403 PortNotAllowed", "CONNECT", "a.test:25"),
            (Status(byCause["PortNotAllowed"]), byCause["PortNotAllowed"].GetProperty("method").GetString(), byCause["PortNotAllowed"].GetProperty("target").GetString()));
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 20_000)]
    public async Task Http_GateRefusals_RouteDenied403AndUserLimits429_OneLineEachWithTheirCause()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), AccessLogTests.Section(_path) +
            """ "routes": [ { "name": "blocked", "match": ["denied.test"], "action": "deny" } ], """ +
            $$"""
            "authentication": { "enabled": true, "users": [
                { "username": "alice", "password": "{{Password}}", "max_connections": 1 },
                { "username": "bob", "password": "{{Password}}", "requests_per_minute": 1 } ] },
            """);
        var alice = ProxyClient.Basic("alice", Password);
        var bob = ProxyClient.Basic("bob", Password);

        using (var denied = await ProxyClient.ConnectAsync(proxy.Port, "denied.test:443", alice))
        {
            Assert.Equal(403, denied.Status);
        }
        using (var held = await ProxyClient.OpenTunnelAsync(proxy.Port, target.Port, alice))
        using (var second = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, alice))
        {
            Assert.Equal(429, second.Status);
        }
        using (var first = await ProxyClient.OpenTunnelAsync(proxy.Port, target.Port, bob))
        {
            await ProxyClient.AssertEchoesAsync(first, "bob");
        }
        using (var limited = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, bob))
        {
            Assert.Equal(429, limited.Status);
        }

        // The two tunnels write theirs when they end: five lines in all.
        var refusals = (await AccessLogTests.WaitForLinesAsync(_path, 5)).Select(AccessLogTests.Json)
            .Where(l => l.GetProperty("status").GetInt32() != 200).ToArray();
        Assert.Equal(3, refusals.Length);
        var byCause = refusals.ToDictionary(l => l.GetProperty("cause").GetString()!);
        Assert.Equal(("403 RouteDenied", "denied.test:443", "alice"),
            (Status(byCause["RouteDenied"]), byCause["RouteDenied"].GetProperty("target").GetString(), byCause["RouteDenied"].GetProperty("user").GetString()));
        Assert.Equal(("429 UserMaxConnections", "alice"), (Status(byCause["UserMaxConnections"]), byCause["UserMaxConnections"].GetProperty("user").GetString()));
        Assert.Equal(("429 UserRequestRate", "bob", "Http"),
            (Status(byCause["UserRequestRate"]), byCause["UserRequestRate"].GetProperty("user").GetString(), byCause["UserRequestRate"].GetProperty("protocol").GetString()));
    }
}
