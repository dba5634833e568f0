using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Admin;

/// <summary>
/// The proxy port's own endpoints (CONTRACT §5) as a load balancer, a browser and a script reach
/// them: /healthz open and telling, the stats path in JSON or HTML, HEAD without a body, only GET
/// and HEAD, everything else 404 (behind the login when one is required), never cached.
/// </summary>
public sealed class AdminEndpointsTests
{
    private const string Users = """
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "s3cret" } ] },
        """;

    private static Task<string> GetAsync(int port, string path, string headers = "", string method = "GET") =>
        ProxyClient.SendAndReadAllAsync(port, $"{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n");

    private static string Body(string answer) => answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];

    [Fact(Timeout = 10_000)]
    public async Task Healthz_200WhileAnUpstreamMayServe_OpenWithoutLogin_NeverCached()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var answer = await GetAsync(proxy.Port, "/healthz");

        Assert.Equal(200, ProxyClient.StatusOf(answer));
        Assert.Equal("ok\n", Body(answer));
        Assert.Contains("Cache-Control: no-store\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", answer, StringComparison.Ordinal);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Healthz_503WhenNoUpstreamCanServe(bool disable)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "health_check": { "failure_threshold": 1 }, """);
        var only = proxy.Pool.All[0];
        if (disable)
        {
            proxy.SetUpstream(only.Name, enabled: false);
        }
        else
        {
            only.RecordOutcome(success: false, failureThreshold: 1, recoveryThreshold: 1);
            Assert.Equal(UpstreamHealth.Unhealthy, only.Health);
        }

        var answer = await GetAsync(proxy.Port, "/healthz");

        Assert.Equal(503, ProxyClient.StatusOf(answer));
        Assert.Equal("no healthy upstream\n", Body(answer));
    }

    [Theory(Timeout = 10_000)]
    [InlineData("", "application/json")]
    [InlineData("Accept: text/html,application/xhtml+xml\r\n", "text/html; charset=utf-8")]
    [InlineData("Accept: text/html\r\n", "application/json", "?format=json")]
    public async Task Stats_JsonUnlessABrowserAsks(string headers, string contentType, string query = "")
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var answer = await GetAsync(proxy.Port, "/stats" + query, headers);

        Assert.Equal(200, ProxyClient.StatusOf(answer));
        Assert.Contains($"Content-Type: {contentType}\r\n", answer, StringComparison.Ordinal);
        var body = Body(answer);
        Assert.True(contentType.StartsWith("text/html", StringComparison.Ordinal) ? body.Contains("<html", StringComparison.OrdinalIgnoreCase) : body.TrimStart().StartsWith('{'));
    }

    [Fact(Timeout = 10_000)]
    public async Task Stats_AtTheConfiguredPathOnly()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream(upstream.Url))
            .Replace("\"listen_address\": \"127.0.0.1:0\"", "\"listen_address\": \"127.0.0.1:0\", \"stats_endpoint\": \"/ops/stats\"", StringComparison.Ordinal)));

        Assert.Equal(200, ProxyClient.StatusOf(await GetAsync(proxy.Port, "/ops/stats?x=1")));
        Assert.Equal(404, ProxyClient.StatusOf(await GetAsync(proxy.Port, "/stats")));
    }

    [Fact(Timeout = 10_000)]
    public async Task Head_HeadersWithTheLengthButNoBody()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var answer = await GetAsync(proxy.Port, "/stats", method: "HEAD");

        Assert.Equal(200, ProxyClient.StatusOf(answer));
        Assert.Matches(@"Content-Length: [1-9]\d*\r\n", answer);
        Assert.Equal("", Body(answer));
    }

    [Theory(Timeout = 10_000)]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task OtherMethods_405WithAllow(string method)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var answer = await GetAsync(proxy.Port, "/stats", method: method);

        Assert.Equal(405, ProxyClient.StatusOf(answer));
        Assert.Contains("Allow: GET, HEAD\r\n", answer, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnknownPath_404_ButBehindTheLoginWhenOneIsRequired()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var open = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        await using var guarded = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        Assert.Equal(404, ProxyClient.StatusOf(await GetAsync(open.Port, "/nothing-here")));
        Assert.Equal(401, ProxyClient.StatusOf(await GetAsync(guarded.Port, "/nothing-here")));
        Assert.Equal(404, ProxyClient.StatusOf(await GetAsync(guarded.Port, "/nothing-here",
            $"Authorization: {ProxyClient.Basic("alice", "s3cret")}\r\n")));
        Assert.Equal(0, guarded.Counters.AuthFailures);
    }
}
