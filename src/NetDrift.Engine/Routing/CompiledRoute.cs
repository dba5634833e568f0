using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Routing;

/// <summary>A route ready to match: its entries compiled, its Debug routing note written once.</summary>
internal sealed class CompiledRoute
{
    public CompiledRoute(RouteConfig config, RouteMatcher[] matchers)
    {
        Config = config;
        Matchers = matchers;
        Note = config.Action switch
        {
            RouteAction.Direct => $"route {config.Name} → direct",
            RouteAction.Deny => $"route {config.Name} → deny",
            _ when config.Tag is not null => $"route {config.Name} → tag {config.Tag}",
            _ => $"route {config.Name} → the pool",
        };
    }

    public RouteConfig Config { get; }

    public string Name => Config.Name;

    public RouteAction Action => Config.Action;

    /// <summary>Only upstreams with this tag (action upstreams); null for the whole pool.</summary>
    public string? Tag => Config.Tag;

    public RouteMatcher[] Matchers { get; }

    /// <summary>What the Debug routing line says about this route ("route eu-sites → tag eu").</summary>
    public string Note { get; }
}
