using NetDrift.Engine.Upstreams;
using Prometheus;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// One proxy's Prometheus metrics (the <c>metrics_endpoint</c>), in a registry of its own: several
/// proxies run in one process, and the default registry would mix them (and add process metrics
/// nobody asked for). Nothing here runs on the request path: at each scrape, a before-collect
/// callback copies the engine's lock-free counters into prometheus-net's. Counters come from the
/// raw lifetime totals, so Reset-NetDriftStats never makes them drop.
/// </summary>
internal sealed class PrometheusExporter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly ProxyContext _proxy;
    private readonly CollectorRegistry _registry;
    private readonly SemaphoreSlim _exporting = new(1, 1);
    private readonly Dictionary<string, Published> _published = new(StringComparer.Ordinal);

    private readonly Counter _requests;
    private readonly Gauge _upstreamActive;
    private readonly Histogram _latency;
    private readonly Counter _bytes;
    private readonly Gauge _health;
    private readonly Gauge _weight;
    private readonly Gauge _up;
    private readonly Gauge _inRotation;
    private readonly Counter _connections;
    private readonly Gauge _active;
    private readonly Counter _authFailures;
    private readonly Counter _rejected;
    private readonly Counter _accessLogDropped;
    private readonly Gauge _maxConnections;
    private readonly Gauge _upstreams;
    private readonly Gauge _healthyUpstreams;

    public PrometheusExporter(ProxyContext proxy)
    {
        _proxy = proxy;
        _registry = Prometheus.Metrics.NewCustomRegistry();
        _registry.SetStaticLabels(new Dictionary<string, string> { ["proxy"] = proxy.Name });
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        string[] upstream = ["upstream"];

        _requests = factory.CreateCounter("netdrift_upstream_requests_total",
            "Finished attempts on an upstream (retries included), by result: success or the failure cause.", ["upstream", "result"]);
        _upstreamActive = factory.CreateGauge("netdrift_upstream_active_connections",
            "Connections open to an upstream now (tunnels and attempts being dialed).", upstream);
        _latency = factory.CreateHistogram("netdrift_upstream_latency_seconds",
            "Dial-to-answer latency of successful attempts on an upstream.", upstream,
            new HistogramConfiguration { Buckets = LatencyFeed.BoundsSeconds });
        _bytes = factory.CreateCounter("netdrift_upstream_bytes_total",
            "Bytes relayed through an upstream: sent to it, received from it.", ["upstream", "direction"]);
        _health = factory.CreateGauge("netdrift_upstream_health",
            "An upstream's health as a state set: 1 for its current state, 0 for the others.", ["upstream", "state"]);
        _weight = factory.CreateGauge("netdrift_upstream_weight", "An upstream's configured weight.", upstream);
        _up = factory.CreateGauge("netdrift_upstream_up", "1 unless the upstream is Unhealthy.", upstream);
        _inRotation = factory.CreateGauge("netdrift_upstream_in_rotation",
            "1 when the upstream takes new tunnels: enabled, weight above 0, not draining.", upstream);
        _connections = factory.CreateCounter("netdrift_connections_total", "Client connections accepted.");
        _active = factory.CreateGauge("netdrift_active_connections", "Client connections open now.");
        _authFailures = factory.CreateCounter("netdrift_auth_failures_total",
            "Client requests refused for wrong credentials (not the 407 challenge to a request without any).");
        _rejected = factory.CreateCounter("netdrift_rejected_connections_total", "Client connections turned away at max_connections.");
        _accessLogDropped = factory.CreateCounter("netdrift_access_log_dropped_total",
            "Access-log lines lost: the writer's queue was full, or the file could not be written.");
        _maxConnections = factory.CreateGauge("netdrift_max_connections", "The configured limit on open client connections (limits.max_connections).");
        _upstreams = factory.CreateGauge("netdrift_upstreams", "Upstreams in the pool, draining ones included.");
        _healthyUpstreams = factory.CreateGauge("netdrift_healthy_upstreams",
            "Upstreams that can take traffic: in rotation and not Unhealthy (what /healthz counts).");

        _registry.AddBeforeCollectCallback(Update);
    }


    /// <summary>The per-upstream totals, one series per name; the Meter reads them too.</summary>
    public UpstreamSeriesTracker Upstreams { get; } = new();

    /// <summary>The Prometheus text exposition (format 0.0.4) as it is now.</summary>
    public async Task<byte[]> ExportAsync(CancellationToken cancellationToken = default)
    {
        // One scrape at a time: the latency feed moves state from one scrape to the next.
        await _exporting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var buffer = new MemoryStream();
            await _registry.CollectAndExportAsTextAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        finally
        {
            _exporting.Release();
        }
    }

    /// <summary>The before-collect callback: runs inside <see cref="ExportAsync"/>, one scrape at a time.</summary>
    private void Update()
    {
        var pool = _proxy.Pool.All;
        // Routes with action direct have their series too, as upstream="direct" (outside the pool count).
        var series = Upstreams.Read(Routing.DirectRow.IsShown(_proxy) ? [.. pool, _proxy.Direct] : pool);
        ForgetGone(series);
        foreach (var upstream in series)
        {
            UpdateUpstream(upstream);
        }

        var totals = ProxyTotals.Of(_proxy.Counters);
        _connections.IncTo(totals.Connections);
        _authFailures.IncTo(totals.AuthFailures);
        _rejected.IncTo(totals.Rejected);
        _accessLogDropped.IncTo(_proxy.AccessLog.Dropped);
        _active.Set(_proxy.Counters.ActiveConnections);
        _maxConnections.Set(_proxy.Settings.Config.Limits.MaxConnections);
        _upstreams.Set(pool.Count);
        _healthyUpstreams.Set(pool.Count(u => u.IsSelectable && u.Health != UpstreamHealth.Unhealthy));
    }

    private void UpdateUpstream(UpstreamSeriesSnapshot upstream)
    {
        var name = upstream.Name;
        if (!_published.TryGetValue(name, out var published))
        {
            _published[name] = published = new Published(upstream.Identity);
        }
        var totals = upstream.Totals;

        _requests.WithLabels(name, MetricLabels.Success).IncTo(totals.Succeeded);
        for (var i = 0; i < MetricLabels.Causes.Length; i++)
        {
            _requests.WithLabels(name, MetricLabels.Causes[i]).IncTo(totals.FailedBy[i]);
        }
        _bytes.WithLabels(name, MetricLabels.Sent).IncTo(totals.BytesSent);
        _bytes.WithLabels(name, MetricLabels.Received).IncTo(totals.BytesReceived);
        published.Latency.Feed(totals, _latency.WithLabels(name));

        _upstreamActive.WithLabels(name).Set(upstream.ActiveConnections);
        var health = upstream.Current.Health;
        foreach (var state in MetricLabels.HealthStates)
        {
            _health.WithLabels(name, MetricLabels.Health(state)).Set(state == health ? 1 : 0);
        }
        _up.WithLabels(name).Set(health == UpstreamHealth.Unhealthy ? 0 : 1);
        _weight.WithLabels(name).Set(upstream.Current.Config.Weight);
        _inRotation.WithLabels(name).Set(upstream.InRotation ? 1 : 0);
    }

    /// <summary>
    /// Drops the series of upstream names that left the pool (a removed upstream, once drained),
    /// and of names whose series restarted since the last scrape, before anything is written: a
    /// restarted series begins from zero, which Prometheus reads as a counter reset.
    /// </summary>
    private void ForgetGone(IReadOnlyList<UpstreamSeriesSnapshot> current)
    {
        var identities = current.ToDictionary(s => s.Name, s => s.Identity);
        foreach (var (name, published) in _published.ToArray())
        {
            if (!identities.TryGetValue(name, out var identity) || identity != published.Identity)
            {
                RemoveSeries(name);
                _published.Remove(name);
            }
        }
    }

    private void RemoveSeries(string name)
    {
        _requests.RemoveLabelled(name, MetricLabels.Success);
        foreach (var cause in MetricLabels.Causes)
        {
            _requests.RemoveLabelled(name, cause);
        }
        _bytes.RemoveLabelled(name, MetricLabels.Sent);
        _bytes.RemoveLabelled(name, MetricLabels.Received);
        _latency.RemoveLabelled(name);
        _upstreamActive.RemoveLabelled(name);
        foreach (var state in MetricLabels.HealthStates)
        {
            _health.RemoveLabelled(name, MetricLabels.Health(state));
        }
        _up.RemoveLabelled(name);
        _weight.RemoveLabelled(name);
        _inRotation.RemoveLabelled(name);
    }

    /// <summary>What the exporter keeps per upstream series between scrapes.</summary>
    private sealed class Published(object identity)
    {
        public object Identity { get; } = identity;

        public LatencyFeed Latency { get; } = new();
    }
}
