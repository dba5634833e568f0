namespace NetDrift.Engine.Connections;

/// <summary>The few open connections an operator looks at first when only some fit on a screen.</summary>
public static class ConnectionOrder
{
    /// <summary>
    /// At most <paramref name="count"/>: half of them the longest-running (oldest first), the rest
    /// the busiest (most bytes both ways) of the others, each listed once.
    /// </summary>
    public static IReadOnlyList<ConnectionSnapshot> LongestRunningAndBusiest(IReadOnlyCollection<ConnectionSnapshot> connections, int count)
    {
        if (count <= 0)
        {
            return [];
        }
        var longest = connections.OrderBy(c => c.StartedAt).ThenBy(c => c.Id).Take((count + 1) / 2).ToList();
        var busiest = connections.Except(longest)
            .OrderByDescending(c => c.BytesSent + c.BytesReceived).ThenBy(c => c.Id)
            .Take(count - longest.Count);
        return [.. longest, .. busiest];
    }
}
