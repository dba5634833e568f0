using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.Health;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// health_check.slow_start_seconds through real tunnels: an upstream that failed and came back
/// (faulty proxies on loopback, passive health, a fake clock) and the share of traffic it gets.
/// </summary>
public sealed class SlowStartTests
{
    private const int Tunnels = 40;

    [Fact(Timeout = 30_000)]
    public async Task Recovery_DefaultSlowStart_FullShareAtOnce()
    {
        var (share, effectiveWeight) = await ShareRightAfterRecoveryAsync(slowStart: null);

        Assert.InRange(share, Tunnels / 2 - 2, Tunnels / 2 + 2); // equal weights: its half straight away
        Assert.Equal(1, effectiveWeight);
    }

    [Fact(Timeout = 30_000)]
    public async Task Recovery_TenSecondSlowStart_ReducedShareAndEffectiveWeightBelowWeight()
    {
        var (share, effectiveWeight) = await ShareRightAfterRecoveryAsync(slowStart: 10);

        Assert.InRange(share, 0, Tunnels / 5);   // ~10% of its half while ramping
        Assert.Equal(Upstream.RampFloor, effectiveWeight);
    }

    /// <summary>
    /// Two upstreams of weight 1; the second resets connections until passive health ejects it,
    /// then heals and wins its trial. Returns how many of the next tunnels it carried and its
    /// effective weight at that moment.
    /// </summary>
    private static async Task<(long Share, double EffectiveWeight)> ShareRightAfterRecoveryAsync(int? slowStart)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var target = TcpTargetServer.StartEcho();
        await using var steady = FaultyProxy.Start("steady", new FaultyProxyOptions());
        await using var flaky = FaultyProxy.Start("flaky", new FaultyProxyOptions { Fault = FaultType.Reset });
        var slowStartField = slowStart is null ? "" : $"\"slow_start_seconds\": {slowStart}, ";
        var config = HealthTestProxies.Config(
            $$"""{ "enabled": false, "failure_threshold": 1, "recovery_threshold": 1, {{slowStartField}}"endpoints": [] }""",
            steady.Url, flaky.Url);
        await using var proxy = ProxyServer.Start("slow-start", config, timeProvider: clock, random: new Random(7));
        var row = HealthTestProxies.Row(proxy, flaky);

        for (var i = 0; i < 4 && row.Health != UpstreamHealth.Unhealthy; i++)
        {
            await TunnelAsync(proxy, target);
        }
        Assert.Equal(UpstreamHealth.Unhealthy, row.Health);

        flaky.Update(new FaultyProxyOptions());
        clock.Advance(Upstream.TrialBackoffBase);
        await TunnelAsync(proxy, target); // the trial: one success brings it back
        Assert.Equal(UpstreamHealth.Healthy, row.Health);

        var before = row.Counters.Succeeded;
        for (var i = 0; i < Tunnels; i++)
        {
            await TunnelAsync(proxy, target);
        }
        return (row.Counters.Succeeded - before, row.EffectiveWeight());
    }

    private static async Task TunnelAsync(ProxyServer proxy, TcpTargetServer target)
    {
        using var answer = await ProxyClient.ConnectAsync(proxy.LocalEndPoint.Port, target.Authority);
        Assert.Equal(200, answer.Status);
    }
}
