using NetDrift.Engine.Tests.TestSupport;
using static NetDrift.Engine.Tests.Metrics.MetricsTestProxies;

namespace NetDrift.Engine.Tests.Metrics;

/// <summary>metrics_endpoint on the proxy port (CONTRACT §5): the exposition, its content type, and the admin guard.</summary>
public sealed class MetricsEndpointTests
{
    private const string Users = """ "authentication": { "enabled": true, "users": [ { "username": "proxyuser", "password": "Pr0xyUserPw" } ] }, """;

    private static string Get(string path, string? header = null) =>
        $"GET {path} HTTP/1.1\r\nHost: netdrift\r\n" + (header is null ? "" : header + "\r\n") + "\r\n";

    private static (string Head, string Body) Split(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (response[..end], response[(end + 4)..]);
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_DefaultPath_200PrometheusText()
    {
        await using var proxy = Start(["http://127.0.0.1:9"]);

        var (head, body) = Split(await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/metrics")));

        Assert.StartsWith("HTTP/1.1 200 ", head, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/plain; version=0.0.4; charset=utf-8", head, StringComparison.Ordinal);
        var metrics = PrometheusText.Parse(body);
        Assert.Equal(0, metrics.Value("netdrift_upstream_requests_total", ("upstream", "127.0.0.1:9"), ("result", "success")));
        Assert.Contains($"Content-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}", head, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Head_DefaultPath_HeadersOnly()
    {
        await using var proxy = Start(["http://127.0.0.1:9"]);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "HEAD /metrics HTTP/1.1\r\nHost: netdrift\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_ConfiguredPath_ServedThereOnly()
    {
        await using var proxy = Start(["http://127.0.0.1:9"], MetricsTestProxies.Exact + """ "metrics_endpoint": "/prom", """);

        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/prom"))));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/prom?x=1"))));
        Assert.Equal(404, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/metrics"))));
    }

    [Fact(Timeout = 10_000)]
    public async Task Get_WithUsers_401WithoutOrWrongCredentials200With()
    {
        await using var proxy = Start(["http://alice:S3cretUpstreamPw@127.0.0.1:9"], Users);

        var anonymous = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/metrics"));
        var wrong = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/metrics", "Authorization: " + ProxyClient.Basic("proxyuser", "nope")));
        var basic = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/metrics", "Authorization: " + ProxyClient.Basic("proxyuser", "Pr0xyUserPw")));
        var proxyAuth = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("/metrics", "Proxy-Authorization: " + ProxyClient.Basic("proxyuser", "Pr0xyUserPw")));

        Assert.Equal(401, ProxyClient.StatusOf(anonymous));
        Assert.Contains("WWW-Authenticate: Basic realm=\"NetDrift\"", anonymous, StringComparison.Ordinal);
        Assert.DoesNotContain("netdrift_", anonymous, StringComparison.Ordinal);
        Assert.Equal(401, ProxyClient.StatusOf(wrong));
        Assert.Equal(200, ProxyClient.StatusOf(basic));
        Assert.Equal(200, ProxyClient.StatusOf(proxyAuth));
        Assert.Contains("netdrift_upstream_requests_total", basic, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cretUpstreamPw", basic, StringComparison.Ordinal);
        Assert.DoesNotContain("Pr0xyUserPw", basic, StringComparison.Ordinal);
    }
}
