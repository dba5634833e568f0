using NetDrift.Engine.Faults;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// CONTRACT §7: an upstream that answers CONNECT with 502/503/504 reports a failed target, not a
/// failure of its own. Dead targets never eject a healthy upstream; an upstream that says "502"
/// while another reaches the same target is blamed.
/// </summary>
public sealed class FailureBlameTests
{
    [Fact(Timeout = 30_000)]
    public async Task FiftyDeadTargets_ThreeHealthyUpstreams_AllStayHealthyAndGoodTargetsServed()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var c = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(
            string.Join(",", TestProxies.Upstream(a.Url), TestProxies.Upstream(b.Url), TestProxies.Upstream(c.Url)),
            """ "health_check": { "failure_threshold": 3 }, """);
        var dead = $"127.0.0.1:{Loopback.ClosedPort()}";

        for (var i = 0; i < 50; i++)
        {
            using (var refused = await ProxyClient.ConnectAsync(proxy.Port, dead))
            {
                Assert.Equal(502, refused.Status);
            }
            if (i % 10 == 9)
            {
                using var good = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
                Assert.Equal(200, good.Status);
            }
        }

        Assert.All(proxy.Pool.All, u => Assert.NotEqual(UpstreamHealth.Unhealthy, u.Health));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
        var targetFailures = proxy.Pool.All.Sum(u => u.Counters.Snapshot(StatsWindow.Lifetime).FailedBy.GetValueOrDefault(FailureCause.TargetUnreachable));
        Assert.Equal(100, targetFailures); // each dead target tried on 1 + retries_on_target_error (default 1) upstreams
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamSaying502_WhileAnotherReachesTheTarget_IsBlamedAndEjected()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var liar = FaultyProxy.Start("blame-502", new FaultyProxyOptions { Fault = FaultType.BadGateway });
        await using var b = TestUpstreamProxy.Start();
        await using var c = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(
            string.Join(",", TestProxies.Upstream(liar.Url), TestProxies.Upstream(b.Url), TestProxies.Upstream(c.Url)),
            """ "load_balancing": "round-robin", "health_check": { "failure_threshold": 2 }, """);

        for (var i = 0; i < 9; i++)
        {
            using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
            Assert.Equal(200, tunnel.Status);
        }

        Assert.Equal(UpstreamHealth.Unhealthy, proxy.Pool.All[0].Health);
        Assert.NotEqual(UpstreamHealth.Unhealthy, proxy.Pool.All[1].Health);
        Assert.NotEqual(UpstreamHealth.Unhealthy, proxy.Pool.All[2].Health);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    public async Task DeadTarget_TriedOnOnePlusRetriesOnTargetErrorUpstreams(int retriesOnTargetError, int expectedTried)
    {
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var c = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(
            string.Join(",", TestProxies.Upstream(a.Url), TestProxies.Upstream(b.Url), TestProxies.Upstream(c.Url)),
            $""" "retries": 2, "retries_on_target_error": {retriesOnTargetError}, """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, $"127.0.0.1:{Loopback.ClosedPort()}");

        Assert.Equal(502, answer.Status);
        Assert.Equal(expectedTried, a.Accepted + b.Accepted + c.Accepted);
        Assert.Equal(expectedTried, proxy.Pool.All.Sum(u => u.Counters.Failed));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task EveryUpstreamSaysTheTargetFailed_ClientGetsTheirStatus(int status)
    {
        await using var a = FaultyProxy.Start("blame-a", new FaultyProxyOptions { Fault = FaultType.Status, StatusCode = status });
        await using var b = FaultyProxy.Start("blame-b", new FaultyProxyOptions { Fault = FaultType.Status, StatusCode = status });
        await using var proxy = TestProxies.Start(TestProxies.Upstream(a.Url) + "," + TestProxies.Upstream(b.Url));

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");

        Assert.Equal(status, answer.Status);
        Assert.All(proxy.Pool.All, u => Assert.Equal(UpstreamHealth.Unknown, u.Health));
    }
}
