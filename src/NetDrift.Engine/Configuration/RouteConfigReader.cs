using System.Text.Json;
using NetDrift.Engine.Routing;

namespace NetDrift.Engine.Configuration;

/// <summary>Reads and validates <c>routes</c>: every match entry compiled once here, so a bad one is an error naming its path.</summary>
internal static class RouteConfigReader
{
    public static IReadOnlyList<RouteConfig> Read(JsonObjectReader root, ConfigErrorSink sink)
    {
        var routes = new List<RouteConfig>();
        foreach (var (element, path) in root.Array("routes") ?? [])
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                sink.Add(path, $"must be an object with match and action, not {JsonObjectReader.Describe(element)}");
                continue;
            }
            var reader = new JsonObjectReader(element, path, sink);
            var name = reader.String("name");
            var actionText = reader.String("action", "upstreams")!;
            var tag = reader.String("tag");
            var entries = reader.Array("match");
            reader.ReportUnknownFields();
            var valid = true;
            if (entries is null || entries.Count == 0)
            {
                sink.Add(reader.FieldPath("match"), "is required and must list at least one host, *.suffix, CIDR network or *");
                valid = false;
            }
            var match = new List<string>();
            foreach (var (entry, entryPath) in entries ?? [])
            {
                if (entry.ValueKind != JsonValueKind.String)
                {
                    sink.Add(entryPath, $"must be a string, not {JsonObjectReader.Describe(entry)}");
                    valid = false;
                }
                else if (!RouteMatcher.TryParse(entry.GetString()!, out _, out var error))
                {
                    sink.Add(entryPath, error!);
                    valid = false;
                }
                else
                {
                    match.Add(entry.GetString()!.Trim());
                }
            }
            RouteAction action;
            switch (actionText)
            {
                case "upstreams": action = RouteAction.Upstreams; break;
                case "direct": action = RouteAction.Direct; break;
                case "deny": action = RouteAction.Deny; break;
                default:
                    sink.Add(reader.FieldPath("action"), $"must be upstreams, direct or deny, not '{actionText}'");
                    valid = false;
                    action = RouteAction.Upstreams;
                    break;
            }
            if (!string.IsNullOrEmpty(tag) && action != RouteAction.Upstreams)
            {
                sink.Add(reader.FieldPath("tag"), $"applies only to action upstreams, not {actionText}");
                valid = false;
            }
            if (valid)
            {
                routes.Add(new RouteConfig(string.IsNullOrWhiteSpace(name) ? path : name.Trim(), match, action, string.IsNullOrEmpty(tag) ? null : tag));
            }
        }
        return routes;
    }
}
