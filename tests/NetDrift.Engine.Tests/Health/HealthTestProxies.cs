using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Health;

/// <summary>Proxies with health checks on a fake clock: rounds fire only when a test advances it.</summary>
internal static class HealthTestProxies
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>The health_check object; <paramref name="endpoints"/> is the body of its endpoints array.</summary>
    public static string HealthCheck(string endpoints = "", bool enabled = true, int failureThreshold = 3, double timeoutSeconds = 2,
        bool rotation = false, double intervalSeconds = 10) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            { "enabled": {{(enabled ? "true" : "false")}}, "interval_seconds": {{intervalSeconds}}, "timeout_seconds": {{timeoutSeconds}},
              "failure_threshold": {{failureThreshold}}, "recovery_threshold": 1,
              "endpoints": [ {{endpoints}} ], "endpoint_rotation": {{(rotation ? "true" : "false")}} }
            """);

    /// <summary>An endpoints array body from URLs.</summary>
    public static string Endpoints(params string[] urls) => string.Join(", ", urls.Select(u => $"\"{u}\""));

    public static ProxyServer Start(FakeTimeProvider clock, string healthCheck, params string[] upstreams) =>
        ProxyServer.Start("health", Config(healthCheck, upstreams), timeProvider: clock);

    /// <summary>Upstream JSON objects, as in TestProxies.Upstream, joined.</summary>
    public static NetDriftConfig Config(string healthCheck, params string[] upstreams) =>
        ConfigLoader.Parse(TestProxies.Json(
            string.Join(",", upstreams.Select(u => u.TrimStart().StartsWith('{') ? u : TestProxies.Upstream(u))),
            $$""" "health_check": {{healthCheck}}, """));

    public static Upstream Row(ProxyServer proxy, FaultyProxy faulty) => proxy.Pool.Find($"127.0.0.1:{faulty.Port}")!;

    /// <summary>Waits until <paramref name="upstream"/> has <paramref name="count"/> probes done and none running.</summary>
    public static Task<bool> ProbedAsync(Upstream upstream, long count, TimeSpan? timeout = null) =>
        Loopback.WaitUntilAsync(() => upstream.HealthProbes.Probes >= count && !upstream.HealthProbes.InFlight, timeout ?? TimeSpan.FromSeconds(10));
}
