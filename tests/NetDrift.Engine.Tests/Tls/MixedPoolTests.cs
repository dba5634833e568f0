using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Tls;

/// <summary>
/// Issue 15 point 5: one pool of all three upstream kinds (http://, https:// trusted through its
/// tls_ca_file, socks5://), round-robin: tunnels spread evenly and byte-exact; with one kind
/// stopped, the others carry every tunnel and no client sees a failure.
/// </summary>
public sealed class MixedPoolTests
{
    private const int TunnelsPerRound = 30;

    [Fact(Timeout = 60_000)]
    public async Task HttpHttpsSocks5Pool_SpreadEvenly_ThenOneKindStopped_FailsOverWithoutClientFailure()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var http = FaultyProxy.Start("mixed-http", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Http });
        await using var https = FaultyProxy.Start("mixed-https", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https });
        await using var socks5 = FaultyProxy.Start("mixed-socks5", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Socks5 });
        var pool = string.Join(",",
            $$"""{ "url": "{{http.Url}}", "name": "http" }""",
            $$"""{ "url": "{{https.Url}}", "name": "https", "tls_ca_file": {{System.Text.Json.JsonSerializer.Serialize(https.CertificatePath)}} }""",
            $$"""{ "url": "{{socks5.Url}}", "name": "socks5" }""");
        await using var proxy = TestProxies.Start(pool, """ "load_balancing": "round-robin", "health_check": { "enabled": false }, """);

        await RunTunnelsAsync(proxy.Port, target.Authority, seed: 1);

        Assert.Equal([10L, 10L, 10L], new[] { http.Connections, https.Connections, socks5.Connections });

        await https.StopAsync();
        var before = http.Connections + socks5.Connections;

        await RunTunnelsAsync(proxy.Port, target.Authority, seed: 2);

        Assert.Equal(before + TunnelsPerRound, http.Connections + socks5.Connections);
    }

    /// <summary>One round of tunnels, one after another, each echoing its own payload byte for byte.</summary>
    private static async Task RunTunnelsAsync(int proxyPort, string authority, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < TunnelsPerRound; i++)
        {
            using var tunnel = await ProxyClient.ConnectAsync(proxyPort, authority);
            Assert.Equal(200, tunnel.Status);
            var payload = new byte[16 * 1024];
            random.NextBytes(payload);
            await Loopback.SendAllAsync(tunnel.Socket, payload);
            Assert.Equal(payload, await Loopback.ReadExactlyAsync(tunnel.Socket, payload.Length));
        }
    }
}
