using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Admin;

/// <summary>Wrong logins on /stats and /metrics count and slow down like wrong proxy logins.</summary>
public sealed class AdminAuthTests
{
    private const string Users = """
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "s3cret" } ] },
        """;

    [Theory(Timeout = 10_000)]
    [InlineData("/stats", "Authorization")]
    [InlineData("/stats", "Proxy-Authorization")]
    [InlineData("/metrics", "Authorization")]
    public async Task WrongLogin_401CountedAndThrottled(string path, string header)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"GET {path} HTTP/1.1\r\nHost: x\r\n{header}: {ProxyClient.Basic("alice", "wrong")}\r\n\r\n");

        Assert.Equal(401, ProxyClient.StatusOf(answer));
        Assert.Equal(1, proxy.Counters.AuthFailures);
        Assert.Equal(1, proxy.AuthThrottle.Delayed);
    }

    [Fact(Timeout = 10_000)]
    public async Task NoCredentials_401NotAFailure()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal(401, ProxyClient.StatusOf(answer));
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 10_000)]
    public async Task RightLogin_200NoFailure()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);

        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"GET /stats HTTP/1.1\r\nHost: x\r\nAuthorization: {ProxyClient.Basic("alice", "s3cret")}\r\n\r\n");

        Assert.Equal(200, ProxyClient.StatusOf(answer));
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }
}
