using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;
using static NetDrift.Engine.Tests.Health.HealthTestProxies;

namespace NetDrift.Engine.Tests.Health;

/// <summary>When probes run: every interval of the proxy's clock, one at a time per upstream, following live config changes.</summary>
public sealed class HealthCheckerScheduleTests
{
    /// <summary>Long enough for a wrongly started probe to have connected.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    [Fact(Timeout = 30_000)]
    public async Task Interval_PreviousProbeStillRunning_SkipsThatUpstream()
    {
        var clock = new FakeTimeProvider();
        await using var silent = FaultyProxy.Start("silent", new FaultyProxyOptions { Fault = FaultType.Timeout });
        await using var proxy = Start(clock, HealthCheck(failureThreshold: 1, timeoutSeconds: 2, intervalSeconds: 1,
            endpoints: Endpoints("http://127.0.0.1:9/")), silent.Url);
        var row = Row(proxy, silent);
        Assert.True(await Loopback.WaitUntilAsync(() => silent.Connections == 1));

        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        await Task.Delay(Settle);

        Assert.Equal(1, silent.Connections);
        Assert.Equal(3, row.HealthProbes.Skipped);
        Assert.True(await ProbedAsync(row, 1));
        Assert.Equal(1, row.HealthProbes.Probes);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Loopback.WaitUntilAsync(() => silent.Connections == 2));
    }

    [Fact(Timeout = 30_000)]
    public async Task Disabled_NoProbesWhateverTheClock()
    {
        var clock = new FakeTimeProvider();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        await using var proxy = Start(clock, HealthCheck(enabled: false), good.Url);

        for (var i = 0; i < 3; i++)
        {
            clock.Advance(Interval);
        }
        await Task.Delay(Settle);

        Assert.False(proxy.HealthChecks.IsRunning);
        Assert.Null(proxy.HealthChecks.Interval);
        Assert.Equal(0, Row(proxy, good).HealthProbes.Probes);
        Assert.Equal(0, good.Connections);
        Assert.Equal(UpstreamHealth.Unknown, Row(proxy, good).Health);
    }

    [Fact(Timeout = 30_000)]
    public async Task ApplyConfig_EnableRetimeDisable_ProbesFollowLive()
    {
        var clock = new FakeTimeProvider();
        await using var good = FaultyProxy.Start("good", new FaultyProxyOptions());
        await using var proxy = Start(clock, HealthCheck(enabled: false), good.Url);
        var row = Row(proxy, good);
        var off = proxy.Config;

        proxy.ApplyConfig(off with { HealthCheck = off.HealthCheck with { Enabled = true } });
        Assert.True(await ProbedAsync(row, 1));
        Assert.Equal(UpstreamHealth.Healthy, row.Health);
        Assert.Equal(Interval, proxy.HealthChecks.Interval);
        clock.Advance(Interval);
        Assert.True(await ProbedAsync(row, 2));

        proxy.ApplyConfig(off with { HealthCheck = off.HealthCheck with { Enabled = true, Interval = TimeSpan.FromSeconds(2) } });
        Assert.Equal(TimeSpan.FromSeconds(2), proxy.HealthChecks.Interval);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await ProbedAsync(row, 3));

        proxy.ApplyConfig(off);
        Assert.False(proxy.HealthChecks.IsRunning);
        clock.Advance(Interval);
        clock.Advance(Interval);
        await Task.Delay(Settle);
        Assert.Equal(3, row.HealthProbes.Probes);
        Assert.Equal(3, good.Connections);
    }

    [Fact(Timeout = 30_000)]
    public async Task Round_ProbesDisabledAndWeightZeroButNotDraining()
    {
        var clock = new FakeTimeProvider();
        await using var echo = TcpTargetServer.StartEcho();
        await using var serving = FaultyProxy.Start("serving", new FaultyProxyOptions());
        await using var disabled = FaultyProxy.Start("disabled", new FaultyProxyOptions());
        await using var unweighted = FaultyProxy.Start("unweighted", new FaultyProxyOptions());
        await using var proxy = Start(clock, HealthCheck(),
            TestProxies.Upstream(serving.Url), TestProxies.Upstream(disabled.Url, enabled: false), TestProxies.Upstream(unweighted.Url, weight: 0));
        Assert.True(await ProbedAsync(Row(proxy, serving), 1));
        Assert.True(await ProbedAsync(Row(proxy, disabled), 1));
        Assert.True(await ProbedAsync(Row(proxy, unweighted), 1));

        // An open tunnel keeps the removed upstream listed as Draining.
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority);
        Assert.Equal(200, tunnel.Status);
        Assert.True(proxy.RemoveUpstream(Row(proxy, serving).Name));
        var draining = Row(proxy, serving);
        Assert.Equal(UpstreamState.Draining, draining.State);
        clock.Advance(Interval);

        Assert.True(await ProbedAsync(Row(proxy, disabled), 2));
        Assert.True(await ProbedAsync(Row(proxy, unweighted), 2));
        await Task.Delay(Settle);
        Assert.Equal(1, draining.HealthProbes.Probes);
        Assert.Equal(UpstreamHealth.Healthy, Row(proxy, disabled).Health);
        Assert.Equal(UpstreamHealth.Healthy, Row(proxy, unweighted).Health);
    }

    [Fact(Timeout = 30_000)]
    public async Task StopAsync_ProbeInFlight_CancelledQuicklyAndNoMoreRounds()
    {
        var clock = new FakeTimeProvider();
        await using var silent = FaultyProxy.Start("silent", new FaultyProxyOptions { Fault = FaultType.Timeout });
        var proxy = Start(clock, HealthCheck(timeoutSeconds: 30, endpoints: Endpoints("http://127.0.0.1:9/")), silent.Url);
        var row = Row(proxy, silent);
        Assert.True(await Loopback.WaitUntilAsync(() => silent.Connections == 1));

        var elapsed = Stopwatch.StartNew();
        await proxy.StopAsync(TimeSpan.Zero);

        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.False(proxy.HealthChecks.IsRunning);
        Assert.True(await Loopback.WaitUntilAsync(() => !row.HealthProbes.InFlight));
        Assert.Equal(0, row.HealthProbes.Probes);
        clock.Advance(Interval);
        await Task.Delay(Settle);
        Assert.Equal(1, silent.Connections);
    }
}
