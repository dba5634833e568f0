namespace NetDrift.Engine.Server;

/// <summary>
/// How a matched route and the user's tag pin combine for one request: both must hold, so two
/// different tags leave nothing to pick (503), and the Debug routing line says which route and why.
/// </summary>
internal static class RouteTags
{
    /// <summary>The tag upstreams must have, or a conflict that rules out every upstream; <paramref name="note"/> opens the routing line.</summary>
    public static (string? Required, string? Conflict) Combine(ClientIdentity client, out string note)
    {
        var route = client.Route;
        note = route is null ? "" : route.Note + "; ";
        var routeTag = route?.Tag;
        if (routeTag is null || client.Tag is null || routeTag == client.Tag)
        {
            return (routeTag ?? client.Tag, null);
        }
        return (null, $"route {route!.Name} needs tag {routeTag}, user {client.Key} is pinned to tag {client.Tag}: no upstream has both");
    }

    public static bool IsDirect(ClientIdentity client) => IsDirect(client.Route);

    public static bool IsDirect(Routing.CompiledRoute? route) => route?.Action == Configuration.RouteAction.Direct;
}
