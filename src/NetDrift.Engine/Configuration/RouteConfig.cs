namespace NetDrift.Engine.Configuration;

/// <summary>What a matching route does with a request (CONTRACT §9).</summary>
public enum RouteAction
{
    /// <summary>Balanced over the pool as usual; with a tag, only over upstreams with that tag.</summary>
    Upstreams,
    /// <summary>NetDrift connects to the target itself (the stats row <c>direct</c>).</summary>
    Direct,
    /// <summary>Refused: 403.</summary>
    Deny,
}

/// <summary>One entry of <c>routes</c>: the first whose <see cref="Match"/> fits the target decides.</summary>
/// <param name="Match">Exact hosts, <c>*.suffix</c>, CIDR networks, <c>*</c>; each optionally with <c>:port</c>. Validated by <see cref="Routing.RouteMatcher.TryParse"/>.</param>
public sealed record RouteConfig(string Name, IReadOnlyList<string> Match, RouteAction Action = RouteAction.Upstreams, string? Tag = null)
{
    public override string ToString() => $"{Name}: [{string.Join(", ", Match)}] -> {Action.ToString().ToLowerInvariant()}{(Tag is null ? "" : $" tag {Tag}")}";
}
