using System.Text;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// A 407 to a request without a body, or with a small Content-Length body NetDrift reads and drops,
/// leaves the connection open, so a client that answers the challenge (as .NET always does: it
/// never sends credentials unasked) uses the same connection.
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

    /// <summary>.NET's own client through the proxy with alice's credentials: it sends them only once challenged.</summary>
    private static HttpClient AliceThrough(NetDrift.Engine.Server.ProxyServer proxy) => new(new SocketsHttpHandler
    {
        Proxy = new System.Net.WebProxy(proxy.Url) { Credentials = new System.Net.NetworkCredential("alice", "s3cret") },
        UseProxy = true,
    }) { Timeout = TimeSpan.FromSeconds(10) };

    [Fact(Timeout = 30_000)]
    public async Task HttpClientWithWebProxyCredentials_FiftyRequests_AtMostTwoConnections()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var client = AliceThrough(proxy);

        for (var i = 0; i < 50; i++)
        {
            var body = await client.GetByteArrayAsync($"http://origin.netdrift.test/len/{1000 + i}");
            Assert.Equal(KeepAliveUpstream.Pattern(1000 + i), body);
        }

        Assert.InRange(proxy.Counters.TotalConnections, 1, 2);
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 30_000)]
    public async Task HttpClientWithWebProxyCredentials_FiftyPosts_AtMostTwoConnections()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var client = AliceThrough(proxy);

        for (var i = 0; i < 50; i++)
        {
            // .NET sends the body with the unauthenticated attempt too; NetDrift must read it past.
            using var response = await client.PostAsync("http://origin.netdrift.test/echo", new ByteArrayContent(KeepAliveUpstream.Pattern(2000 + i)));
            Assert.Equal(KeepAliveUpstream.Pattern(2000 + i), await response.Content.ReadAsByteArrayAsync());
        }

        Assert.InRange(proxy.Counters.TotalConnections, 1, 2);
        Assert.Equal(50, upstream.EchoesAnswered);
    }

    [Theory(Timeout = 15_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_WithSmallBody_BodyReadAndChallengeAnsweredOnTheSameConnection(bool chunked)
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        var reader = new WireReader(socket);

        // The first body looks like a request: were it not read past, it would be parsed as one.
        const string smuggled = "GET http://origin.netdrift.test/len/3 HTTP/1.1\r\n\r\n";
        var framed = chunked
            ? $"Transfer-Encoding: chunked\r\n\r\n{smuggled.Length:x}\r\n{smuggled}\r\n0\r\n\r\n"
            : $"Content-Length: {smuggled.Length}\r\n\r\n{smuggled}";
        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(
            $"POST http://origin.netdrift.test/echo HTTP/1.1\r\nHost: origin.netdrift.test\r\n{framed}"));
        var challenge = await reader.ReadHeadAsync();
        await reader.ReadExactAsync(int.Parse(KeepAliveUpstream.Header(challenge!, "Content-Length")!, System.Globalization.CultureInfo.InvariantCulture));
        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(
            "POST http://origin.netdrift.test/echo HTTP/1.1\r\nHost: origin.netdrift.test\r\nContent-Length: 5\r\n" +
            $"Proxy-Authorization: {ProxyClient.Basic("alice", "s3cret")}\r\n\r\nhello"));
        var answer = await reader.ReadHeadAsync();
        var echoed = await reader.ReadExactAsync(5);

        Assert.StartsWith("HTTP/1.1 407 ", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", challenge, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Equal("hello"u8.ToArray(), echoed);
        Assert.Equal(1, proxy.Counters.TotalConnections);
        Assert.Single(upstream.Heads);
    }

    [Theory(Timeout = 15_000)]
    [InlineData("Content-Length: 65537\r\n\r\nhello")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n10001\r\nhello")]
    [InlineData("Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")]
    public async Task Post_WithBodyNotRead_ChallengedAndClosed(string framingAndBody)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "POST http://127.0.0.1:9/ HTTP/1.1\r\nHost: 127.0.0.1:9\r\n" + framingAndBody);

        Assert.Equal(407, ProxyClient.StatusOf(response));
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
    }

    [Fact(Timeout = 15_000)]
    public async Task Post_BodyStallsAfterChallenge_ChallengedAndClosedAtTheHeaderTimeout()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            Users + """ "limits": { "header_timeout_seconds": 1 }, """);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "POST http://127.0.0.1:9/ HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Length: 5\r\n\r\nhe", TimeSpan.FromSeconds(10));

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
