using NetDrift.Engine.Configuration;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Metrics;

/// <summary>Proxies and traffic for the metrics tests.</summary>
internal static class MetricsTestProxies
{
    /// <summary>Round-robin, no retries, no passive ejection: every attempt lands where round-robin says.</summary>
    public const string Exact = """ "load_balancing": "round-robin", "retries": 0, "health_check": { "failure_threshold": 0 }, """;

    public static ProxyServer Start(IEnumerable<string> upstreamUrls, string extra = Exact, string name = "test") =>
        ProxyServer.Start(name, ConfigLoader.Parse(TestProxies.Json(string.Join(",", upstreamUrls.Select(u => TestProxies.Upstream(u))), extra)));

    public static ProxyServer Start(IEnumerable<FaultyProxy> upstreams, string extra = Exact, string name = "test") =>
        Start(upstreams.Select(u => u.Url), extra, name);

    public static string NameOf(FaultyProxy upstream) => $"127.0.0.1:{upstream.Port}";

    /// <summary>Opens a tunnel; when it is established, echoes <paramref name="payloadBytes"/> through it. Returns the status.</summary>
    public static async Task<int> TunnelAsync(ProxyServer proxy, TcpTargetServer target, int payloadBytes = 0, string? proxyAuthorization = null)
    {
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, proxyAuthorization);
        if (tunnel.Status == 200 && payloadBytes > 0)
        {
            var payload = new byte[payloadBytes];
            var echo = Loopback.ReadExactlyAsync(tunnel.Socket, payloadBytes);
            await Loopback.SendAllAsync(tunnel.Socket, payload);
            await echo;
        }
        return tunnel.Status;
    }

    public static Task<bool> SettledAsync(ProxyServer proxy) =>
        Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 0 && proxy.Pool.All.All(u => u.Counters.ActiveConnections == 0));

    public static async Task<PrometheusText> ScrapeAsync(ProxyServer proxy) => PrometheusText.Parse(await proxy.Metrics.ExportAsync());
}
