using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Routing;

/// <summary>
/// A config's <c>routes</c>, compiled once per (re)load: the first route with an entry that fits a
/// target decides; none fitting means the whole pool. Matching allocates nothing: hosts are
/// compared as spans and an IP literal is parsed to a number on the stack, once per request.
/// </summary>
internal sealed class RouteTable
{
    public static readonly RouteTable Empty = new([]);

    private readonly CompiledRoute[] _routes;
    private readonly bool _hasNetworks;

    private RouteTable(CompiledRoute[] routes)
    {
        _routes = routes;
        _hasNetworks = routes.Any(r => r.Matchers.Any(m => m.IsNetwork));
    }

    public int Count => _routes.Length;

    /// <summary>Compiles validated routes (the loader has checked every entry).</summary>
    public static RouteTable Compile(IReadOnlyList<RouteConfig> routes)
    {
        if (routes.Count == 0)
        {
            return Empty;
        }
        var compiled = new CompiledRoute[routes.Count];
        for (var i = 0; i < routes.Count; i++)
        {
            var matchers = new RouteMatcher[routes[i].Match.Count];
            for (var j = 0; j < matchers.Length; j++)
            {
                if (!RouteMatcher.TryParse(routes[i].Match[j], out var matcher, out var error))
                {
                    throw new ArgumentException($"routes[{i}].match[{j}] {error}", nameof(routes));
                }
                matchers[j] = matcher!;
            }
            compiled[i] = new CompiledRoute(routes[i], matchers);
        }
        return new RouteTable(compiled);
    }

    /// <summary>The first route that fits <paramref name="host"/>:<paramref name="port"/>; null when none does.</summary>
    public CompiledRoute? Match(string host, int port)
    {
        if (_routes.Length == 0)
        {
            return null;
        }
        var name = host.AsSpan();
        if (name.EndsWith("."))
        {
            name = name[..^1];
        }
        if (name.StartsWith("[") && name.EndsWith("]"))
        {
            name = name[1..^1];
        }
        var ip = UInt128.Zero;
        var hasIp = _hasNetworks && IpLiteral.TryParse(name, out ip, out _);
        foreach (var route in _routes)
        {
            foreach (var matcher in route.Matchers)
            {
                if (matcher.Matches(name, port, hasIp, ip))
                {
                    return route;
                }
            }
        }
        return null;
    }
}
