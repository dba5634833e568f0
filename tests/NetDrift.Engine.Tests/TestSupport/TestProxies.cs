using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>Starts NetDrift proxies on 127.0.0.1:0 from JSON built around a list of upstream URLs.</summary>
internal static class TestProxies
{
    /// <summary>
    /// Config JSON listening on a free loopback port with Warning logging.
    /// <paramref name="upstreams"/> is the body of the upstream_proxies array;
    /// <paramref name="extra"/> more top-level fields, each followed by a comma.
    /// </summary>
    public static string Json(string upstreams, string extra = "") => $$"""
        {
          "server": { "name": "test", "listen_address": "127.0.0.1:0" },
          {{extra}}
          "upstream_proxies": [ {{upstreams}} ],
          "logging": { "level": "Warning" }
        }
        """;

    public static string Upstream(string url, int weight = 1, bool enabled = true) =>
        $$"""{ "url": "{{url}}", "weight": {{weight}}, "enabled": {{(enabled ? "true" : "false")}} }""";

    public static ProxyServer Start(string upstreams, string extra = "") =>
        ProxyServer.Start("test", ConfigLoader.Parse(Json(upstreams, extra)));
}
