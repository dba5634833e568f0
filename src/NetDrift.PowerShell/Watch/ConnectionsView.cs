using System.Globalization;
using NetDrift.Engine.Connections;

namespace NetDrift.PowerShell.Watch;

/// <summary>
/// The connection table of Watch-NetDriftStats -Connections: as many open connections as fit, the
/// longest-running and the busiest first (<see cref="ConnectionOrder"/>), below the upstream table.
/// </summary>
internal static class ConnectionsView
{
    /// <summary>A blank line, a title, a header, then at most <paramref name="maxRows"/> connections.</summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<ConnectionSnapshot> open, DateTimeOffset now, int maxRows)
    {
        var shown = ConnectionOrder.LongestRunningAndBusiest(open, Math.Max(1, maxRows));
        var lines = new List<string>
        {
            "",
            shown.Count < open.Count ? $"Open connections: {open.Count} ({shown.Count} shown: the longest-running and the busiest)" : $"Open connections: {open.Count}",
            string.Format(CultureInfo.InvariantCulture, "{0,8} {1,-21} {2,-12} {3,-7} {4,-30} {5,-21} {6,9} {7,10} {8,10} {9,7}",
                "Id", "Client", "User", "Kind", "Target", "Upstream", "Age", "Sent", "Received", "Idle"),
        };
        foreach (var c in shown)
        {
            lines.Add(string.Format(CultureInfo.InvariantCulture, "{0,8} {1,-21} {2,-12} {3,-7} {4,-30} {5,-21} {6,9} {7,10} {8,10} {9,7}",
                c.Id, Cut(c.Client, 21), Cut(c.User ?? "-", 12), c.Kind, Cut(c.Target ?? "-", 30), Cut(c.Upstream ?? "-", 21),
                Age(now - c.StartedAt), Bytes(c.BytesSent), Bytes(c.BytesReceived), c.IdleFor.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s"));
        }
        if (open.Count == 0)
        {
            lines.Add("(none)");
        }
        return lines;
    }

    private static string Age(TimeSpan age) =>
        age < TimeSpan.Zero ? "0:00:00" : $"{(int)age.TotalHours}:{age.Minutes:00}:{age.Seconds:00}";

    private static string Bytes(long bytes) => bytes switch
    {
        < 10_000 => bytes.ToString(CultureInfo.InvariantCulture),
        < 10_000_000 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + "K",
        _ => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + "M",
    };

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
