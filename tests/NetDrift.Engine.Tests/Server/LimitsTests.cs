using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

public sealed class LimitsTests
{
    [Fact(Timeout = 15_000)]
    public async Task PerClientCap_ExtraConnectionsFromOneIp_503AndCounted()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "max_connections_per_client": 3 }, """);
        var open = new List<ProxyAnswer>();
        for (var i = 0; i < 3; i++)
        {
            open.Add(await ProxyClient.ConnectAsync(proxy.Port, echo.Authority));
            Assert.Equal(200, open[^1].Status);
        }

        using (var extra = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(503, extra.Status);
        }
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.PerClientLimit]);

        open[0].Dispose();
        await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 2);
        using (var again = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(200, again.Status);
        }
        open.ForEach(a => a.Dispose());
    }

    [Fact(Timeout = 15_000)]
    public async Task Refusals_EachCause_CountedOnce()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            """ "allowed_ports": [ 443 ], "limits": { "header_timeout_seconds": 0.3, "max_header_bytes": 1024 }, """);

        Assert.Equal(400, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, "GARBAGE\r\n\r\n")));
        Assert.Equal(431, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "GET http://a/ HTTP/1.1\r\nX-Big: " + new string('x', 2000) + "\r\n\r\n")));
        Assert.Equal(403, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, "CONNECT a.example:22 HTTP/1.1\r\nHost: a\r\n\r\n")));
        using (var slow = await Loopback.ConnectAsync(proxy.Port))
        {
            await Loopback.SendAllAsync(slow, Encoding.ASCII.GetBytes("GET http://a/ HTTP/1.1\r\n"));
            var (data, _) = await Loopback.ReadToEndAsync(slow, TimeSpan.FromSeconds(3));
            Assert.Empty(data); // disconnected without a word
        }

        var rejected = proxy.Counters.RejectedBy;
        Assert.Equal(1, rejected[RejectionCause.Malformed]);
        Assert.Equal(1, rejected[RejectionCause.HeaderTooLarge]);
        Assert.Equal(1, rejected[RejectionCause.PortNotAllowed]);
        Assert.Equal(1, rejected[RejectionCause.HeaderTimeout]);
        Assert.Equal(0, proxy.Counters.Rejected); // connection-level refusals only
    }
}
