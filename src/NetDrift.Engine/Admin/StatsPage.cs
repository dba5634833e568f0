using System.Net;
using System.Text;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Admin;

/// <summary>
/// The live stats page a browser gets from the stats endpoint: rendered with the current rows so it
/// reads without JavaScript, then refreshed every two seconds from the same endpoint's JSON, with a
/// chart of requests and failures per minute over the last 15 minutes. One self-contained page: no
/// external scripts or fonts, so it works on an isolated network.
/// </summary>
internal static class StatsPage
{
    public static byte[] Render(ProxyContext proxy, string statsPath)
    {
        var rows = new StringBuilder();
        foreach (var upstream in proxy.Pool.All)
        {
            var s = upstream.Counters.Snapshot(StatsWindow.Recent);
            rows.Append("<tr><td>").Append(Html(upstream.Name)).Append("</td><td>").Append(Html(upstream.Config.Tag))
                .Append("</td><td class=\"h-").Append(upstream.Health).Append("\">").Append(upstream.Health)
                .Append("</td><td>").Append(s.Requests).Append("</td><td>").Append(s.Failed)
                .Append("</td><td>").Append(s.Succeeded + s.Failed == 0 ? "-" : (s.SuccessRate * 100).ToString("0.0") + "%")
                .Append("</td><td>").Append(Ms(s.P50LatencyMs)).Append("</td><td>").Append(Ms(s.P95LatencyMs))
                .Append("</td><td>").Append(Ms(s.P99LatencyMs)).Append("</td><td>").Append(s.ActiveConnections)
                .Append("</td></tr>\n");
        }
        var page = Template
            .Replace("{{NAME}}", Html(proxy.Name), StringComparison.Ordinal)
            .Replace("{{ROWS}}", rows.ToString(), StringComparison.Ordinal)
            .Replace("{{CONNECTIONS}}", ConnectionRows.Render(proxy.OpenConnections()), StringComparison.Ordinal)
            .Replace("{{JSON}}", Html(statsPath + "?format=json"), StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(page);
    }

    private static string Ms(double? value) => value is { } v ? v.ToString("0.0") : "-";

    private static string Html(string text) => WebUtility.HtmlEncode(text);

    private const string Template = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>NetDrift · {{NAME}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f7f8fa; }
  h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
  #connections th:nth-child(-n+6), #connections td:nth-child(-n+6) { text-align: left; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } .sub { color: #5b6475; margin-bottom: 1rem; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; min-width: 60rem; }
  th, td { padding: .35rem .7rem; border-bottom: 1px solid #e3e6eb; text-align: right; }
  th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
  th { background: #eef1f5; font-weight: 600; }
  .h-Healthy { color: #17803d; } .h-Unhealthy { color: #c0262d; font-weight: 600; } .h-Unknown { color: #7a8394; }
  .chart { margin-top: 1.2rem; background: #fff; box-shadow: 0 1px 2px #0002; padding: .6rem; width: fit-content; }
  .legend span { display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 1rem; vertical-align: middle; }
</style>
</head>
<body>
<h1>NetDrift · {{NAME}}</h1>
<div class="sub" id="summary">Last 15 minutes · refreshes every 2 s</div>
<table>
  <thead><tr><th>Upstream</th><th>Tag</th><th>Health</th><th>Requests</th><th>Failed</th><th>Success</th>
  <th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Active</th></tr></thead>
  <tbody id="rows">
{{ROWS}}  </tbody>
</table>
<h2>Open connections</h2>
<table id="connections">
  <thead><tr><th>Id</th><th>Client</th><th>User</th><th>Kind</th><th>Target</th><th>Upstream</th><th>Age s</th><th>Sent</th><th>Received</th></tr></thead>
  <tbody id="conns">
{{CONNECTIONS}}  </tbody>
</table>
<div class="chart">
  <div class="legend">Requests and failures per minute, last 15 minutes
    <span style="background:#4a7bd0"></span>requests <span style="background:#d0474a"></span>failed</div>
  <svg id="chart" width="640" height="160" role="img" aria-label="requests per minute"></svg>
</div>
<script>
const source = "{{JSON}}";
const fmt = v => v === null || v === undefined ? "-" : Number(v).toFixed(1);
const esc = s => String(s).replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]));
function render(stats) {
  const w = stats.recent_15m;
  document.getElementById("summary").textContent =
    `Last 15 minutes: ${w.total_reqs} requests, ${w.failed_reqs} failed · ${stats.current_concurrency} open now · up ${stats.uptime} · refreshes every 2 s`;
  document.getElementById("rows").innerHTML = w.upstream_metrics.map(u => {
    const done = u.success_reqs + u.failed_reqs;
    return `<tr><td>${esc(u.name)}</td><td>${esc(u.tag || "")}</td><td class="h-${esc(u.health)}">${esc(u.health)}</td>` +
      `<td>${u.total_reqs}</td><td>${u.failed_reqs}</td><td>${done ? (100 * u.success_reqs / done).toFixed(1) + "%" : "-"}</td>` +
      `<td>${fmt(u.p50_latency_ms)}</td><td>${fmt(u.p95_latency_ms)}</td><td>${fmt(u.p99_latency_ms)}</td><td>${u.current_cons}</td></tr>`;
  }).join("");
  if (stats.connections) {
    document.getElementById("conns").innerHTML = stats.connections.map(c =>
      `<tr><td>${c.id}</td><td>${esc(c.client)}</td><td>${esc(c.user ?? "")}</td><td>${esc(c.kind)}</td>` +
      `<td>${esc(c.target ?? "")}</td><td>${esc(c.upstream ?? "")}</td><td>${c.age_seconds.toFixed(0)}</td>` +
      `<td>${c.bytes_sent}</td><td>${c.bytes_received}</td></tr>`).join("");
  }
  const svg = document.getElementById("chart"), points = stats.timeline_15m, H = 140, bw = 640 / points.length;
  const max = Math.max(1, ...points.map(p => p.requests));
  svg.innerHTML = points.map((p, i) => {
    const h = H * p.requests / max, f = H * p.failed / max, x = i * bw + 3;
    return `<rect x="${x}" y="${H - h}" width="${bw - 6}" height="${h}" fill="#4a7bd0"><title>${p.minute}: ${p.requests} requests</title></rect>` +
      `<rect x="${x}" y="${H - f}" width="${bw - 6}" height="${f}" fill="#d0474a"><title>${p.failed} failed</title></rect>`;
  }).join("") + `<text x="2" y="156" font-size="11" fill="#5b6475">-15 min</text><text x="600" y="156" font-size="11" fill="#5b6475">now</text>` +
    `<text x="2" y="11" font-size="11" fill="#5b6475">${max}/min</text>`;
}
async function refresh() {
  try {
    const response = await fetch(source, { cache: "no-store", headers: { Accept: "application/json" } });
    if (response.ok) { render(await response.json()); }
  } catch (e) { document.getElementById("summary").textContent = "Cannot reach the proxy: " + e; }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
""";
}
