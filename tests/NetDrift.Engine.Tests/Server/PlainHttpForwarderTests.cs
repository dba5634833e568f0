using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>Absolute-form requests forwarded to an upstream proxy: credentials, hop-by-hop headers, bodies, framing.</summary>
public sealed class PlainHttpForwarderTests
{
    private static (string Head, string Body) Split(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, "no response head in: " + response);
        return (response[..(end + 4)], response[(end + 4)..]);
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_AbsoluteForm_ForwardedWithUpstreamCredentialsOnly()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(
            TestProxies.Upstream($"http://u1:p%40ss:w@127.0.0.1:{upstream.Port}"),
            """ "authentication": { "enabled": true, "users": [ { "username": "client", "password": "clientpw" } ] }, """);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "GET http://origin.example/path?q=1 HTTP/1.1\r\nConnection: close\r\nHost: origin.example\r\n"
            + $"Proxy-Authorization: {ProxyClient.Basic("client", "clientpw")}\r\nProxy-Connection: keep-alive\r\n"
            + "Connection: keep-alive, X-Hop\r\nX-Hop: drop me\r\nX-Keep: keep me\r\n\r\n");

        var (head, forwarded) = Split(response);
        Assert.Equal(200, ProxyClient.StatusOf(head));
        Assert.StartsWith("GET http://origin.example/path?q=1 HTTP/1.1\r\n", forwarded, StringComparison.Ordinal);
        Assert.Equal(["Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u1:p@ss:w"))], TestUpstreamProxy.HeaderValues(forwarded, "Proxy-Authorization"));
        Assert.Empty(TestUpstreamProxy.HeaderValues(forwarded, "Proxy-Connection"));
        Assert.Empty(TestUpstreamProxy.HeaderValues(forwarded, "X-Hop"));
        Assert.Equal(["keep me"], TestUpstreamProxy.HeaderValues(forwarded, "X-Keep"));
        Assert.Equal(["origin.example"], TestUpstreamProxy.HeaderValues(forwarded, "Host"));
        // NetDrift keeps its own connection to the upstream alive (HTTP/1.1's default): no Connection header.
        Assert.Empty(TestUpstreamProxy.HeaderValues(forwarded, "Connection"));
        Assert.Equal(1, proxy.Pool.All[0].Counters.Succeeded);
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_Response_RelayedWithHopByHopHeadersDropped()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET http://origin.example/ HTTP/1.1\r\nHost: origin.example\r\nConnection: close\r\n\r\n");

        var (head, body) = Split(response);
        HeadParser.TryParseResponse(Encoding.Latin1.GetBytes(head), 100, out var parsed);
        Assert.NotNull(parsed);
        Assert.Equal(200, parsed.StatusCode);
        Assert.Null(parsed.Headers.Get("Keep-Alive"));
        Assert.Equal("close", parsed.Headers.Get("Connection"));
        Assert.Equal(upstream.Port.ToString(), parsed.Headers.Get("X-Upstream-Port"));
        Assert.Equal(body.Length.ToString(), parsed.Headers.Get("Content-Length"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Post_ContentLengthBody_ForwardedIntact()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var payload = string.Concat(Enumerable.Range(0, 5000).Select(i => (char)('a' + i % 26)));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"POST http://origin.example/submit HTTP/1.1\r\nHost: origin.example\r\nConnection: close\r\nContent-Length: {payload.Length}\r\n\r\n{payload}");

        var (_, forwarded) = Split(response);
        Assert.EndsWith("\r\n\r\n" + payload, forwarded, StringComparison.Ordinal);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All[0].Counters.ActiveConnections == 0));
    }

    [Theory(Timeout = 10_000)]
    [InlineData("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Content-Length: 3\r\nContent-Length: 4\r\n")]
    [InlineData("Content-Length: -1\r\n")]
    [InlineData("Content-Length: 3x\r\n")]
    [InlineData("Transfer-Encoding: gzip\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")]
    public async Task Post_AmbiguousFraming_400AndNothingForwarded(string framing)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"POST http://origin.example/ HTTP/1.1\r\nHost: origin.example\r\n{framing}\r\nabc");

        Assert.Equal(400, ProxyClient.StatusOf(response));
        Assert.Equal(0, upstream.Accepted);
    }

    [Theory]
    [InlineData("", true, false)]
    [InlineData("Content-Length: 0\r\n", true, false)]
    [InlineData("Content-Length: 10\r\n", true, true)]
    [InlineData("Content-Length: 10\r\nContent-Length: 10\r\n", true, true)]
    [InlineData("Transfer-Encoding: chunked\r\n", true, true)]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n", true, true)]
    [InlineData("Transfer-Encoding: chunked, gzip\r\n", false, false)]
    public void ForRequest_Headers_DecidesBody(string headers, bool sane, bool hasBody)
    {
        HeadParser.TryParseRequest(Encoding.ASCII.GetBytes($"POST http://h/ HTTP/1.1\r\n{headers}\r\n"), 100, out var request);

        var framing = BodyFraming.ForRequest(request!.Headers);
        Assert.Equal(sane, framing.IsValid);
        Assert.Equal(hasBody, framing.HasBody);
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_FirstUpstreamRefuses_RetriedOnSecond()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(
            TestProxies.Upstream($"http://127.0.0.1:{Loopback.ClosedPort()}") + "," + TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET http://origin.example/ HTTP/1.1\r\nHost: origin.example\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, ProxyClient.StatusOf(response));
        Assert.Equal(1, proxy.Pool.All[0].Counters.Failed);
        Assert.Equal(1, proxy.Pool.All[1].Counters.Succeeded);
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_NoCredentialsWhenRequired_407()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            """ "authentication": { "enabled": true, "users": [ { "username": "a", "password": "b" } ] }, """);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET http://origin.example/ HTTP/1.1\r\nHost: origin.example\r\nConnection: close\r\n\r\n");

        Assert.Equal(407, ProxyClient.StatusOf(response));
        Assert.Equal(0, upstream.Accepted);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("http://origin.example/x", "Host: other.example\r\n", "origin.example")]
    [InlineData("http://origin.example:8080/x", "Host: origin.example\r\n", "origin.example:8080")]
    [InlineData("http://[::1]/x", "Host: [::1]\r\n", "[::1]")]
    [InlineData("http://[::1]:8080/x", "Host: localhost\r\n", "[::1]:8080")]
    public async Task Get_HostDisagreesWithTarget_HostRewrittenFromTarget(string target, string hostHeaders, string expectedHost)
    {
        // RFC 9112 §3.2.2: a proxy MUST ignore the received Host of an absolute-form request and
        // use the target's authority; passing a conflicting Host on invites routing confusion.
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, $"GET {target} HTTP/1.1\r\n{hostHeaders}Connection: close\r\n\r\n");

        var (_, forwarded) = Split(response);
        Assert.Equal([expectedHost], TestUpstreamProxy.HeaderValues(forwarded, "Host"));
    }
}
