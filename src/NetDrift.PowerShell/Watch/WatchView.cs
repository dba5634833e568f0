using System.Globalization;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;

namespace NetDrift.PowerShell.Watch;

/// <summary>
/// Builds the lines Watch-NetDriftStats shows: per upstream, health, requests per second over the
/// last interval, success rate and p95 over the last 15 minutes, active tunnels. Keeps the previous
/// request counts to turn totals into rates.
/// </summary>
internal sealed class WatchView
{
    private readonly Dictionary<string, long> _previous = new(StringComparer.OrdinalIgnoreCase);
    private long _previousTimestamp;

    public IReadOnlyList<WatchRow> Sample(ProxyServer server)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var seconds = _previousTimestamp == 0 ? 0 : System.Diagnostics.Stopwatch.GetElapsedTime(_previousTimestamp, now).TotalSeconds;
        _previousTimestamp = now;
        var rows = new List<WatchRow>();
        foreach (var upstream in server.Pool.All)
        {
            var lifetime = upstream.Counters.Snapshot(StatsWindow.Lifetime);
            var recent = upstream.Counters.Snapshot(StatsWindow.Recent);
            var rate = 0.0;
            if (seconds > 0 && _previous.TryGetValue(upstream.Name, out var before) && lifetime.Requests >= before)
            {
                rate = (lifetime.Requests - before) / seconds;
            }
            _previous[upstream.Name] = lifetime.Requests;
            var finished = recent.Succeeded + recent.Failed;
            rows.Add(new WatchRow(upstream.Name, upstream.Config.Tag, upstream.Health.ToString(), upstream.State.ToString(), rate,
                finished == 0 ? null : recent.SuccessRate, recent.P95LatencyMs, upstream.Counters.ActiveConnections, recent.Failed));
        }
        return rows;
    }

    /// <summary>The screen: a title line, a header, one line per upstream, each cut to <paramref name="width"/>.</summary>
    public static IReadOnlyList<string> Render(ProxyServer server, IReadOnlyList<WatchRow> rows, TimeSpan interval, DateTimeOffset now, int width)
    {
        var nameWidth = Math.Clamp(rows.Select(r => r.Upstream.Length).DefaultIfEmpty(8).Max(), 8, 40);
        var lines = new List<string>
        {
            $"NetDrift {server.Name} on {server.Url} · {now.ToLocalTime():HH:mm:ss} · every {interval.TotalSeconds:0.#}s · {server.Counters.ActiveConnections} open · Ctrl+C to stop",
            string.Format(CultureInfo.InvariantCulture, "{0} {1,-8} {2,-9} {3,-8} {4,9} {5,8} {6,8} {7,8} {8,7}",
                "Upstream".PadRight(nameWidth), "Tag", "Health", "State", "Req/s", "Success", "P95ms", "Failed", "Active"),
        };
        foreach (var row in rows)
        {
            lines.Add(string.Format(CultureInfo.InvariantCulture, "{0} {1,-8} {2,-9} {3,-8} {4,9:0.0} {5,8} {6,8} {7,8} {8,7}",
                Cut(row.Upstream, nameWidth).PadRight(nameWidth), Cut(row.Tag, 8), row.Health, row.State, row.RequestsPerSecond,
                row.SuccessRate is { } rate ? (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-",
                row.P95LatencyMs is { } p95 ? p95.ToString("0.0", CultureInfo.InvariantCulture) : "-", row.Failed, row.Active));
        }
        if (rows.Count == 0)
        {
            lines.Add("(no upstreams)");
        }
        return lines.Select(l => Cut(l, Math.Max(20, width))).ToArray();
    }

    /// <summary>ANSI: go to the first line of the last frame and overwrite it, clearing leftovers.</summary>
    public static string Redraw(IReadOnlyList<string> lines, int previousLineCount)
    {
        var text = new StringBuilder();
        if (previousLineCount > 0)
        {
            text.Append("\u001b[").Append(previousLineCount).Append('F');
        }
        foreach (var line in lines)
        {
            text.Append("\u001b[2K").Append(line).Append('\n');
        }
        for (var extra = lines.Count; extra < previousLineCount; extra++)
        {
            text.Append("\u001b[2K\n");
        }
        return text.ToString();
    }

    internal static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
