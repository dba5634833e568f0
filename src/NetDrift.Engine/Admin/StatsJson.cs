using System.Globalization;
using System.Text.Json;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Admin;

/// <summary>
/// The stats JSON in the Go NetDrift's shape (same field names, so its dashboards keep working),
/// fixing its flaws: failures are counted in both windows, passwords in <c>url</c> are <c>***</c>,
/// latency is the dial-to-answer time once per attempt. NetDrift's additions (names, health,
/// percentiles, bytes, failure causes, the per-minute timeline) are extra fields.
/// </summary>
internal static class StatsJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = true };

    public static byte[] Render(ProxyContext proxy)
    {
        var now = proxy.Time.GetUtcNow();
        var upstreams = proxy.Pool.All;
        var lifetime = upstreams.Select(u => u.Counters.Snapshot(StatsWindow.Lifetime)).ToArray();
        var recent = upstreams.Select(u => u.Counters.Snapshot(StatsWindow.Recent)).ToArray();
        var connections = proxy.OpenConnections();
        var open = OpenConnectionsJson.CountByUpstream(connections);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("start_time", GoTime(proxy.StartedAt));
            json.WriteString("uptime", GoDuration.Format(now - proxy.StartedAt));
            WriteWindow(json, "total", GoDuration.Format(now - proxy.StartedAt), proxy, upstreams, lifetime, open, proxy.Counters.PeakConcurrency);
            WriteWindow(json, "recent_15m", GoDuration.Format(MinuteRing.Length), proxy, upstreams, recent, open, proxy.Counters.RecentPeakConcurrency);
            json.WriteNumber("current_concurrency", proxy.Counters.ActiveConnections);
            json.WriteString("proxy", proxy.Name);
            json.WriteNumber("total_connections", proxy.Counters.TotalConnections);
            json.WriteNumber("auth_failures", proxy.Counters.AuthFailures);
            json.WriteNumber("rejected_connections", proxy.Counters.Rejected);
            json.WriteStartObject("rejected_by");
            foreach (var (cause, count) in proxy.Counters.RejectedBy)
            {
                json.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(cause.ToString()), count);
            }
            json.WriteEndObject();
            json.WriteNumber("access_log_dropped", proxy.AccessLog.Dropped);
            WriteTimeline(json, upstreams);
            OpenConnectionsJson.WriteList(json, connections);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteWindow(Utf8JsonWriter json, string name, string window, ProxyContext proxy,
        IReadOnlyList<Upstream> upstreams, UpstreamStatsSnapshot[] rows, IReadOnlyDictionary<string, int> open, long maxConcurrency)
    {
        json.WriteStartObject(name);
        json.WriteString("window", window);
        var succeeded = rows.Sum(r => r.Succeeded);
        json.WriteNumber("total_reqs", rows.Sum(r => r.Requests));
        json.WriteNumber("success_reqs", succeeded);
        json.WriteNumber("failed_reqs", rows.Sum(r => r.Failed));
        json.WriteNumber("avg_latency_ms", Average(rows.Sum(r => r.LatencyTotalMicros), succeeded));
        json.WriteNumber("max_concurrency", maxConcurrency);
        json.WriteStartArray("upstream_metrics");
        for (var i = 0; i < upstreams.Count; i++)
        {
            WriteUpstream(json, proxy, upstreams[i], rows[i], i, open);
        }
        json.WriteEndArray();
        if (Routing.DirectRow.IsShown(proxy))
        {
            // Routes with action direct: their own row, apart from the pool's (not in the window totals).
            json.WritePropertyName("direct");
            WriteUpstream(json, proxy, proxy.Direct, proxy.Direct.Counters.Snapshot(name == "total" ? StatsWindow.Lifetime : StatsWindow.Recent), -1, open);
        }
        var tagged = upstreams.Select((u, i) => (Upstream: u, Row: rows[i])).Where(x => x.Upstream.Config.Tag.Length > 0).ToArray();
        if (tagged.Length > 0)
        {
            json.WriteStartObject("tag_groups");
            foreach (var group in tagged.GroupBy(x => x.Upstream.Config.Tag, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var groupSucceeded = group.Sum(x => x.Row.Succeeded);
                json.WriteStartObject(group.Key);
                json.WriteString("tag", group.Key);
                json.WriteNumber("total_reqs", group.Sum(x => x.Row.Requests));
                json.WriteNumber("success_reqs", groupSucceeded);
                json.WriteNumber("failed_reqs", group.Sum(x => x.Row.Failed));
                json.WriteNumber("avg_latency_ms", Average(group.Sum(x => x.Row.LatencyTotalMicros), groupSucceeded));
                json.WriteNumber("upstream_count", group.Count());
                json.WriteNumber("healthy_count", group.Count(x => x.Upstream.Health != UpstreamHealth.Unhealthy));
                json.WriteNumber("unhealthy_count", group.Count(x => x.Upstream.Health == UpstreamHealth.Unhealthy));
                json.WriteNumber("active_connections", group.Sum(x => x.Row.ActiveConnections));
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteUpstream(Utf8JsonWriter json, ProxyContext proxy, Upstream upstream, UpstreamStatsSnapshot row, int index,
        IReadOnlyDictionary<string, int> open)
    {
        var config = upstream.Config;
        json.WriteStartObject();
        json.WriteString("url", config.Url.Redacted);
        if (config.Tag.Length > 0)
        {
            json.WriteString("tag", config.Tag);
        }
        json.WriteNumber("index", index);
        json.WriteNumber("total_reqs", row.Requests);
        json.WriteNumber("success_reqs", row.Succeeded);
        json.WriteNumber("failed_reqs", row.Failed);
        json.WriteNumber("total_latency_ms", row.LatencyTotalMicros / 1000);
        json.WriteNumber("avg_latency_ms", row.AvgLatencyMs);
        json.WriteNumber("current_cons", row.ActiveConnections);
        // Like the Go program, an upstream never used reports the proxy's start.
        json.WriteString("last_request", GoTime(row.LastRequestAt ?? proxy.StartedAt));
        json.WriteString("name", upstream.Name);
        json.WriteString("health", upstream.Health.ToString());
        json.WriteString("state", upstream.State.ToString());
        json.WriteNumber("open_connections", open.GetValueOrDefault(upstream.Name));
        json.WriteBoolean("enabled", config.Enabled);
        json.WriteNumber("weight", config.Weight);
        json.WriteNumber("success_rate", row.SuccessRate);
        WriteNullable(json, "p50_latency_ms", row.P50LatencyMs);
        WriteNullable(json, "p95_latency_ms", row.P95LatencyMs);
        WriteNullable(json, "p99_latency_ms", row.P99LatencyMs);
        json.WriteNumber("peak_concurrency", row.PeakConcurrency);
        json.WriteNumber("bytes_sent", row.BytesSent);
        json.WriteNumber("bytes_received", row.BytesReceived);
        json.WriteStartObject("failed_by");
        foreach (var (cause, count) in row.FailedBy)
        {
            if (count > 0)
            {
                json.WriteNumber(JsonNamingPolicy.SnakeCaseLower.ConvertName(cause.ToString()), count);
            }
        }
        json.WriteEndObject();
        if (row.LastError is { } error)
        {
            json.WriteString("last_error", error.Message);
            json.WriteString("last_error_at", GoTime(error.At));
        }
        if (upstream.HealthProbes.Last is { } probe)
        {
            // Active health checks, counted apart from the client requests above.
            json.WriteNumber("health_checks", upstream.HealthProbes.Probes);
            json.WriteNumber("health_check_failures", upstream.HealthProbes.Failures);
            json.WriteString("last_health_check", GoTime(probe.At));
            json.WriteBoolean("last_health_check_ok", probe.Succeeded);
            json.WriteNumber("last_health_check_latency_ms", Math.Round(probe.Latency.TotalMilliseconds, 3));
            json.WriteString("last_health_check_result", probe.Message);
        }
        json.WriteEndObject();
    }

    /// <summary>Per-minute requests and failures of the last 15 minutes, summed over the pool.</summary>
    private static void WriteTimeline(Utf8JsonWriter json, IReadOnlyList<Upstream> upstreams)
    {
        var minutes = new (long Minute, long Requests, long Failed)[MinuteRing.Minutes];
        foreach (var upstream in upstreams)
        {
            var timeline = upstream.Counters.Timeline();
            for (var i = 0; i < minutes.Length; i++)
            {
                minutes[i] = (timeline[i].Minute, minutes[i].Requests + timeline[i].Requests, minutes[i].Failed + timeline[i].Failed);
            }
        }
        json.WriteStartArray("timeline_15m");
        foreach (var (minute, requests, failed) in minutes)
        {
            json.WriteStartObject();
            json.WriteString("minute", GoTime(new DateTimeOffset(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero)));
            json.WriteNumber("requests", requests);
            json.WriteNumber("failed", failed);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static double Average(long totalMicros, long count) => count == 0 ? 0 : Math.Round(totalMicros / 1000.0 / count, 3);

    /// <summary>RFC 3339 with the fraction's trailing zeros trimmed, as Go's time.Time marshals.</summary>
    private static string GoTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
