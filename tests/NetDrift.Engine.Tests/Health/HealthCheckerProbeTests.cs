using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Admin;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.Faults;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;
using static NetDrift.Engine.Tests.Health.HealthTestProxies;

namespace NetDrift.Engine.Tests.Health;

/// <summary>What each kind of probe sends through a real upstream (faulty proxies on loopback) and how its result counts.</summary>
public sealed class HealthCheckerProbeTests : IAsyncLifetime
{
    private readonly LoopbackOrigin _origin = LoopbackOrigin.StartHttp("hello");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private string Hello => $"http://127.0.0.1:{_origin.Port}/hello";

    [Fact(Timeout = 30_000)]
    public async Task HttpEndpoint_BadGatewayAndNone_UnhealthyAfterThresholdProbesAndHealthy()
    {
        var clock = new FakeTimeProvider();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        await using var bad = FaultyProxy.Start("bad", new FaultyProxyOptions { Fault = FaultType.BadGateway });
        await using var proxy = Start(clock, HealthCheck(Endpoints(Hello), failureThreshold: 3), good.Url, bad.Url);
        var goodRow = Row(proxy, good);
        var badRow = Row(proxy, bad);

        for (var round = 1; round <= 3; round++)
        {
            if (round > 1)
            {
                clock.Advance(Interval);
            }
            Assert.True(await ProbedAsync(goodRow, round));
            Assert.True(await ProbedAsync(badRow, round));
            Assert.Equal(round < 3 ? UpstreamHealth.Unknown : UpstreamHealth.Unhealthy, badRow.Health);
            Assert.Equal(UpstreamHealth.Healthy, goodRow.Health);
        }

        Assert.Equal(3, badRow.HealthProbes.Failures);
        Assert.Equal(0, goodRow.HealthProbes.Failures);
        Assert.False(badRow.HealthProbes.Last!.Succeeded);
        Assert.Equal($"GET {Hello} answered 502", badRow.HealthProbes.Last.Message);
        Assert.Equal($"GET {Hello} answered 200", goodRow.HealthProbes.Last!.Message);
        Assert.Equal(clock.GetUtcNow(), goodRow.HealthProbes.Last.At);
        // Probes are not client traffic.
        Assert.Equal(0, goodRow.Counters.Requests);
        Assert.Equal(0, badRow.Counters.Requests);
        // Only the healthy upstream reached the origin, in origin-form, once per round.
        Assert.Equal(3, _origin.RequestHeads.Count);
        Assert.All(_origin.RequestHeads, head => Assert.StartsWith("GET /hello HTTP/1.1\r\n", head));
    }

    [Fact(Timeout = 30_000)]
    public async Task HttpEndpoint_ProbeResult_ShownInStatsJson()
    {
        var clock = new FakeTimeProvider();
        await using var bad = FaultyProxy.Start("bad", new FaultyProxyOptions { Fault = FaultType.BadGateway });
        await using var proxy = Start(clock, HealthCheck(Endpoints(Hello)), bad.Url);
        Assert.True(await ProbedAsync(Row(proxy, bad), 1));

        using var stats = JsonDocument.Parse(StatsJson.Render(proxy.Context));
        var row = stats.RootElement.GetProperty("total").GetProperty("upstream_metrics")[0];

        Assert.Equal(1, row.GetProperty("health_checks").GetInt64());
        Assert.Equal(1, row.GetProperty("health_check_failures").GetInt64());
        Assert.False(row.GetProperty("last_health_check_ok").GetBoolean());
        Assert.Equal($"GET {Hello} answered 502", row.GetProperty("last_health_check_result").GetString());
        Assert.Equal(0, row.GetProperty("total_reqs").GetInt64());
    }

    [Fact(Timeout = 30_000)]
    public async Task HttpEndpoint_UpstreamWithCredentials_ProbesWithItsOwnProxyAuthorization()
    {
        var clock = new FakeTimeProvider();
        var locked = new FaultyProxyOptions { UserName = "probe", Password = "s3cret" };
        await using var right = FaultyProxy.Start("right", locked);
        await using var wrong = FaultyProxy.Start("wrong", locked);
        await using var proxy = Start(clock, HealthCheck(Endpoints(Hello), failureThreshold: 1),
            $"http://probe:s3cret@127.0.0.1:{right.Port}", $"http://probe:nope@127.0.0.1:{wrong.Port}");

        Assert.True(await ProbedAsync(Row(proxy, right), 1));
        Assert.True(await ProbedAsync(Row(proxy, wrong), 1));

        Assert.Equal(UpstreamHealth.Healthy, Row(proxy, right).Health);
        Assert.Equal(UpstreamHealth.Unhealthy, Row(proxy, wrong).Health);
        Assert.Equal($"GET {Hello} answered 407", Row(proxy, wrong).HealthProbes.Last!.Message);
    }

    [Fact(Timeout = 30_000)]
    public async Task HttpsEndpoint_ConnectThroughUpstreamToExplicitPort()
    {
        var clock = new FakeTimeProvider();
        await using var echo = TcpTargetServer.StartEcho();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        await using var bad = FaultyProxy.Start("bad", new FaultyProxyOptions { Fault = FaultType.BadGateway });
        await using var proxy = Start(clock, HealthCheck(Endpoints($"https://127.0.0.1:{echo.Port}/"), failureThreshold: 1), good.Url, bad.Url);

        Assert.True(await ProbedAsync(Row(proxy, good), 1));
        Assert.True(await ProbedAsync(Row(proxy, bad), 1));

        Assert.Equal(UpstreamHealth.Healthy, Row(proxy, good).Health);
        Assert.Equal($"CONNECT 127.0.0.1:{echo.Port} answered 200", Row(proxy, good).HealthProbes.Last!.Message);
        Assert.Equal(UpstreamHealth.Unhealthy, Row(proxy, bad).Health);
        Assert.Equal($"CONNECT 127.0.0.1:{echo.Port} answered 502", Row(proxy, bad).HealthProbes.Last!.Message);
        Assert.True(await Loopback.WaitUntilAsync(() => echo.Accepted == 1));
    }

    [Fact(Timeout = 30_000)]
    public async Task NoEndpoints_TcpConnectToUpstream_RefusingOneGoesUnhealthy()
    {
        var clock = new FakeTimeProvider();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        await using var refusing = FaultyProxy.Start("refusing", new FaultyProxyOptions { Fault = FaultType.Refuse });
        await using var proxy = Start(clock, HealthCheck(failureThreshold: 2), good.Url, refusing.Url);
        var refusingRow = Row(proxy, refusing);

        Assert.True(await ProbedAsync(refusingRow, 1));
        Assert.Equal(UpstreamHealth.Unknown, refusingRow.Health);
        clock.Advance(Interval);
        Assert.True(await ProbedAsync(refusingRow, 2));

        Assert.Equal(UpstreamHealth.Unhealthy, refusingRow.Health);
        Assert.Equal($"TCP connect to 127.0.0.1:{refusing.Port} failed: ConnectionRefused", refusingRow.HealthProbes.Last!.Message);
        Assert.True(await ProbedAsync(Row(proxy, good), 2));
        Assert.Equal(UpstreamHealth.Healthy, Row(proxy, good).Health);
        Assert.Equal($"TCP connect to 127.0.0.1:{good.Port} succeeded", Row(proxy, good).HealthProbes.Last!.Message);
        Assert.Equal(2, good.Connections);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(true, "/a /b /a /b")]
    [InlineData(false, "/a /a /a /a")]
    public async Task Rotation_AlternatesEndpointsPerProbeOnlyWhenAsked(bool rotation, string expected)
    {
        var clock = new FakeTimeProvider();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        var endpoints = Endpoints($"http://127.0.0.1:{_origin.Port}/a", $"http://127.0.0.1:{_origin.Port}/b");
        await using var proxy = Start(clock, HealthCheck(endpoints, rotation: rotation), good.Url);
        var row = Row(proxy, good);

        for (var round = 1; round <= 4; round++)
        {
            if (round > 1)
            {
                clock.Advance(Interval);
            }
            Assert.True(await ProbedAsync(row, round));
        }

        var paths = _origin.RequestHeads.Select(head => head.Split(' ')[1]);
        Assert.Equal(expected, string.Join(' ', paths));
    }

    [Fact(Timeout = 30_000)]
    public async Task Timeout_SilentUpstream_FailsWithinTimeoutSeconds()
    {
        var clock = new FakeTimeProvider();
        await using var silent = FaultyProxy.Start("silent", new FaultyProxyOptions { Fault = FaultType.Timeout });
        var elapsed = Stopwatch.StartNew();
        await using var proxy = Start(clock, HealthCheck(Endpoints(Hello), failureThreshold: 1, timeoutSeconds: 0.5), silent.Url);
        var row = Row(proxy, silent);

        Assert.True(await ProbedAsync(row, 1));

        Assert.InRange(elapsed.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(3));
        Assert.Equal(UpstreamHealth.Unhealthy, row.Health);
        Assert.Equal($"GET {Hello} failed (Timeout): no answer within 0.5s", row.HealthProbes.Last!.Message);
    }

    [Fact(Timeout = 30_000)]
    public async Task UnreachableEndpointHost_ProbeFailsQuietlyAndClientsStillServed()
    {
        var clock = new FakeTimeProvider();
        await using var echo = TcpTargetServer.StartEcho();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        var elapsed = Stopwatch.StartNew();
        await using var proxy = Start(clock, HealthCheck(Endpoints("http://netdrift-probe.invalid/ip", "https://netdrift-probe.invalid/"),
            failureThreshold: 1, timeoutSeconds: 2, rotation: true), good.Url);
        var row = Row(proxy, good);

        Assert.True(await ProbedAsync(row, 1));
        clock.Advance(Interval);
        Assert.True(await ProbedAsync(row, 2));

        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        Assert.Equal(2, row.HealthProbes.Failures);
        Assert.Equal(UpstreamHealth.Unhealthy, row.Health);
        // Alone and unhealthy, the upstream still carries clients: probes never refuse traffic by themselves.
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority);
        Assert.Equal(200, tunnel.Status);
    }

    [Fact(Timeout = 30_000)]
    public async Task UnresolvableUpstreamHost_TcpProbeFailsWithoutThrowing()
    {
        var clock = new FakeTimeProvider();
        await using var proxy = Start(clock, HealthCheck(failureThreshold: 1, timeoutSeconds: 2), "http://netdrift-upstream.invalid:3128");
        var row = proxy.Pool.All[0];

        Assert.True(await ProbedAsync(row, 1));

        Assert.False(row.HealthProbes.Last!.Succeeded);
        Assert.StartsWith("TCP connect to netdrift-upstream.invalid:3128 failed: ", row.HealthProbes.Last.Message);
        Assert.Equal(UpstreamHealth.Unhealthy, row.Health);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SocketCreationFailing_ProbeNotCountedAgainstTheUpstream(bool tcpConnect)
    {
        var clock = new FakeTimeProvider();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        await using var proxy = Start(clock, HealthCheck(tcpConnect ? "" : Endpoints(Hello), failureThreshold: 1), good.Url);
        var row = Row(proxy, good);
        Assert.True(await ProbedAsync(row, 1));
        var made = 0;
        proxy.UpstreamSocketFactory = _ =>
        {
            Interlocked.Increment(ref made);
            throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TooManyOpenSockets);
        };

        clock.Advance(Interval);

        // Probes go through the proxy's one socket seam; running out of descriptors here says nothing of the upstream.
        Assert.True(await Loopback.WaitUntilAsync(() => Volatile.Read(ref made) == 1 && !row.HealthProbes.InFlight));
        Assert.Equal(1, row.HealthProbes.Probes);
        Assert.Equal(UpstreamHealth.Healthy, row.Health);
    }
}
