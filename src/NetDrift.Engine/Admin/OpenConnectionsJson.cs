using System.Text.Json;
using NetDrift.Engine.Connections;

namespace NetDrift.Engine.Admin;

/// <summary>
/// The open connections in the stats JSON: a count per upstream (<c>open_connections</c>) and the
/// list the live page redraws (<c>connections</c>). Additions only: the Go program's fields stay.
/// </summary>
internal static class OpenConnectionsJson
{
    /// <summary>Client connections whose current (between keep-alive requests, last) exchange is on each upstream.</summary>
    public static IReadOnlyDictionary<string, int> CountByUpstream(IEnumerable<ConnectionSnapshot> connections) =>
        connections.Where(c => c.Upstream is not null)
            .GroupBy(c => c.Upstream!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public static void WriteList(Utf8JsonWriter json, IReadOnlyList<ConnectionSnapshot> connections)
    {
        // The wall clock, as StartedAt was taken at accept (not the proxy's injectable TimeProvider).
        var now = DateTimeOffset.UtcNow;
        json.WriteStartArray("connections");
        foreach (var c in connections)
        {
            json.WriteStartObject();
            json.WriteNumber("id", c.Id);
            json.WriteString("client", c.Client);
            json.WriteString("user", c.User);
            json.WriteString("protocol", c.Protocol.ToString());
            json.WriteString("kind", c.Kind.ToString());
            json.WriteString("target", c.Target);
            json.WriteString("upstream", c.Upstream);
            json.WriteNumber("age_seconds", Math.Max(0, Math.Round((now - c.StartedAt).TotalSeconds, 1)));
            json.WriteNumber("idle_seconds", Math.Round(c.IdleFor.TotalSeconds, 1));
            json.WriteNumber("bytes_sent", c.BytesSent);
            json.WriteNumber("bytes_received", c.BytesReceived);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
