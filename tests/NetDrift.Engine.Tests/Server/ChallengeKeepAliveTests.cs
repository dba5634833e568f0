using System.Text;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// A 407 to a request without a body leaves the connection open, so a client that answers the
/// challenge (as .NET always does: it never sends credentials unasked) uses the same connection.
/// </summary>
public sealed class ChallengeKeepAliveTests
{
    private const string Users = """
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "s3cret" } ] },
        """;

    [Theory(Timeout = 15_000)]
    [InlineData("")]
    [InlineData("Proxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n")]
    public async Task Connect_Challenged_AnsweredOnTheSameConnection(string firstCredentials)
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        var reader = new WireReader(socket);

        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(
            $"CONNECT {target.Authority} HTTP/1.1\r\nHost: {target.Authority}\r\n{firstCredentials}\r\n"));
        var challenge = await reader.ReadHeadAsync();
        var length = int.Parse(KeepAliveUpstream.Header(challenge!, "Content-Length")!, System.Globalization.CultureInfo.InvariantCulture);
        var body = await reader.ReadExactAsync(length);
        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(
            $"CONNECT {target.Authority} HTTP/1.1\r\nHost: {target.Authority}\r\nProxy-Authorization: {ProxyClient.Basic("alice", "s3cret")}\r\n\r\n"));
        var established = await reader.ReadHeadAsync();
        await Loopback.SendAllAsync(socket, "ping"u8.ToArray());

        Assert.StartsWith("HTTP/1.1 407 ", challenge, StringComparison.Ordinal);
        Assert.Contains("Proxy-Authenticate: Basic realm=\"NetDrift\"", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", challenge, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("proxy authentication required\n", Encoding.ASCII.GetString(body));
        Assert.StartsWith("HTTP/1.1 200 ", established, StringComparison.Ordinal);
        Assert.Equal("ping"u8.ToArray(), await reader.ReadExactAsync(4));
        Assert.Equal(1, proxy.Counters.TotalConnections);
    }

    [Fact(Timeout = 30_000)]
    public async Task HttpClientWithWebProxyCredentials_FiftyRequests_AtMostTwoConnections()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var handler = new SocketsHttpHandler
        {
            Proxy = new System.Net.WebProxy(proxy.Url) { Credentials = new System.Net.NetworkCredential("alice", "s3cret") },
            UseProxy = true,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };

        for (var i = 0; i < 50; i++)
        {
            var body = await client.GetByteArrayAsync($"http://origin.netdrift.test/len/{1000 + i}");
            Assert.Equal(KeepAliveUpstream.Pattern(1000 + i), body);
        }

        Assert.InRange(proxy.Counters.TotalConnections, 1, 2);
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 15_000)]
    public async Task Post_WithUnreadBody_ChallengedAndClosed()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "POST http://127.0.0.1:9/ HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Length: 5\r\n\r\nhello");

        Assert.Equal(407, ProxyClient.StatusOf(response));
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_ClientAsksToClose_ChallengedAndClosed()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nProxy-Connection: close\r\n\r\n");

        Assert.Equal(407, ProxyClient.StatusOf(response));
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
    }
}
