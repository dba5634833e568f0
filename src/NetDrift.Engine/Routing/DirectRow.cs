using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Routing;

/// <summary>Whether the <c>direct</c> stats row is shown: while a route has action direct, or once one was used.</summary>
internal static class DirectRow
{
    public static bool IsShown(ProxyContext proxy) =>
        proxy.Direct.Counters.Requests > 0 || proxy.Settings.Config.Routes.Any(r => r.Action == RouteAction.Direct);
}
