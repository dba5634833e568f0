using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// The <c>System.Diagnostics.Metrics</c> Meter named "NetDrift", for dotnet-counters and any
/// OpenTelemetry SDK. Every instrument is observable: a listener's collect reads the running
/// proxies' lock-free counters, so the request path pays nothing whether anyone listens or not.
/// Counters are the raw lifetime totals (monotonic, as the Prometheus ones). Tags: <c>proxy</c>,
/// <c>upstream</c>, and <c>result</c> (success or the failure cause in snake_case) or
/// <c>direction</c> (sent / received), with the same values as the Prometheus labels.
/// </summary>
public static class NetDriftMeter
{
    public const string Name = "NetDrift";

    // Each running proxy with its exporter, whose series tracker keeps counts monotonic across re-adds.
    private static readonly ConcurrentDictionary<ProxyContext, PrometheusExporter> Running = new(ReferenceEqualityComparer.Instance);

    /// <summary>The meter itself (one per process; proxies register with it while they run).</summary>
    public static Meter Meter { get; } = new(Name, typeof(NetDriftMeter).Assembly.GetName().Version?.ToString());

    static NetDriftMeter()
    {
        Meter.CreateObservableCounter("netdrift.upstream.requests", ObserveRequests, "{request}",
            "Finished attempts on an upstream (retries included), by result.");
        Meter.CreateObservableCounter("netdrift.upstream.bytes", ObserveBytes, "By",
            "Bytes relayed through an upstream, by direction.");
        Meter.CreateObservableCounter("netdrift.upstream.latency.total", ObserveLatencyTotal, "s",
            "Sum of the dial-to-answer latencies of successful attempts (divide its rate by the success rate for the average).");
        // Active counts add up across upstreams and proxies: an up-down counter, as OpenTelemetry's conventions have it.
        Meter.CreateObservableUpDownCounter("netdrift.upstream.active_connections", ObserveUpstreamActive, "{connection}",
            "Connections open to an upstream now.");
        Meter.CreateObservableGauge("netdrift.upstream.up", ObserveUp, null, "1 unless the upstream is Unhealthy.");
        Meter.CreateObservableGauge("netdrift.upstream.weight", ObserveWeight, null, "An upstream's configured weight.");
        Meter.CreateObservableCounter("netdrift.connections", () => ObserveProxy(t => t.Connections), "{connection}",
            "Client connections accepted.");
        Meter.CreateObservableCounter("netdrift.auth_failures", () => ObserveProxy(t => t.AuthFailures), "{request}",
            "Client requests refused for wrong credentials.");
        Meter.CreateObservableCounter("netdrift.rejected_connections", () => ObserveProxy(t => t.Rejected), "{connection}",
            "Client connections turned away at max_connections.");
        Meter.CreateObservableUpDownCounter("netdrift.active_connections", ObserveActive, "{connection}",
            "Client connections open now.");
        Meter.CreateObservableGauge("netdrift.max_connections", ObserveMaxConnections, "{connection}",
            "The configured limit on open client connections.");
        Meter.CreateObservableGauge("netdrift.upstreams", ObserveUpstreamCount, "{upstream}",
            "Upstreams in the pool, draining ones included.");
        Meter.CreateObservableGauge("netdrift.healthy_upstreams", ObserveHealthyCount, "{upstream}",
            "Upstreams in rotation and not Unhealthy.");
    }

    /// <summary>The proxies the meter reports on now.</summary>
    internal static ICollection<ProxyContext> Proxies => Running.Keys;

    internal static void Register(ProxyContext proxy, PrometheusExporter exporter) => Running.TryAdd(proxy, exporter);

    internal static void Unregister(ProxyContext proxy) => Running.TryRemove(proxy, out _);

    private static IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var (server, upstream) in Upstreams())
        {
            var totals = upstream.Totals;
            yield return new(totals.Succeeded, Tags(server, upstream, "result", MetricLabels.Success));
            for (var i = 0; i < MetricLabels.Causes.Length; i++)
            {
                yield return new(totals.FailedBy[i], Tags(server, upstream, "result", MetricLabels.Causes[i]));
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveBytes()
    {
        foreach (var (server, upstream) in Upstreams())
        {
            yield return new(upstream.Totals.BytesSent, Tags(server, upstream, "direction", MetricLabels.Sent));
            yield return new(upstream.Totals.BytesReceived, Tags(server, upstream, "direction", MetricLabels.Received));
        }
    }

    private static IEnumerable<Measurement<double>> ObserveLatencyTotal()
    {
        foreach (var (server, upstream) in Upstreams())
        {
            yield return new(upstream.Totals.LatencyMicros / 1e6, Tags(server, upstream));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveUpstreamActive()
    {
        foreach (var (server, upstream) in Upstreams())
        {
            yield return new(upstream.ActiveConnections, Tags(server, upstream));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveUp()
    {
        foreach (var (server, upstream) in Upstreams())
        {
            yield return new(upstream.Current.Health == UpstreamHealth.Unhealthy ? 0 : 1, Tags(server, upstream));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveWeight()
    {
        foreach (var (server, upstream) in Upstreams())
        {
            yield return new(upstream.Current.Config.Weight, Tags(server, upstream));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveProxy(Func<ProxyTotals, long> pick)
    {
        foreach (var server in Running.Keys)
        {
            yield return new(pick(ProxyTotals.Of(server.Counters)), ProxyTag(server));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveActive()
    {
        foreach (var server in Running.Keys)
        {
            yield return new(server.Counters.ActiveConnections, ProxyTag(server));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveMaxConnections()
    {
        foreach (var server in Running.Keys)
        {
            yield return new(server.Settings.Config.Limits.MaxConnections, ProxyTag(server));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveUpstreamCount()
    {
        foreach (var server in Running.Keys)
        {
            yield return new(server.Pool.All.Count, ProxyTag(server));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveHealthyCount()
    {
        foreach (var server in Running.Keys)
        {
            yield return new(server.Pool.All.Count(u => u.IsSelectable && u.Health != UpstreamHealth.Unhealthy), ProxyTag(server));
        }
    }

    /// <summary>Per upstream name, as the Prometheus series: monotonic across removal and re-adding.</summary>
    private static IEnumerable<(ProxyContext Server, UpstreamSeriesSnapshot Upstream)> Upstreams()
    {
        foreach (var (server, exporter) in Running)
        {
            foreach (var upstream in exporter.Upstreams.Read(server.Pool.All))
            {
                yield return (server, upstream);
            }
        }
    }

    private static KeyValuePair<string, object?>[] ProxyTag(ProxyContext server) => [new("proxy", server.Name)];

    private static KeyValuePair<string, object?>[] Tags(ProxyContext server, UpstreamSeriesSnapshot upstream) =>
        [new("proxy", server.Name), new("upstream", upstream.Name)];

    private static KeyValuePair<string, object?>[] Tags(ProxyContext server, UpstreamSeriesSnapshot upstream, string key, string value) =>
        [new("proxy", server.Name), new("upstream", upstream.Name), new(key, value)];
}
