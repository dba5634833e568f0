using System.Net;
using System.Text;
using NetDrift.Engine.Connections;

namespace NetDrift.Engine.Admin;

/// <summary>The stats page's table of open connections, as first rendered (the page's script redraws it from the JSON).</summary>
internal static class ConnectionRows
{
    public static string Render(IReadOnlyList<ConnectionSnapshot> connections)
    {
        var now = DateTimeOffset.UtcNow;
        var rows = new StringBuilder();
        foreach (var c in connections)
        {
            // Every field a client chose (user, target) or a config named (upstream) is escaped.
            rows.Append("<tr><td>").Append(c.Id).Append("</td><td>").Append(Html(c.Client))
                .Append("</td><td>").Append(Html(c.User)).Append("</td><td>").Append(c.Kind)
                .Append("</td><td>").Append(Html(c.Target)).Append("</td><td>").Append(Html(c.Upstream))
                .Append("</td><td>").Append(Math.Max(0, (now - c.StartedAt).TotalSeconds).ToString("0", System.Globalization.CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(c.BytesSent).Append("</td><td>").Append(c.BytesReceived)
                .Append("</td></tr>\n");
        }
        return rows.ToString();
    }

    private static string Html(string? text) => WebUtility.HtmlEncode(text ?? "");
}
