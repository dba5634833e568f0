using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Routing;

public sealed class RouteConfigTests
{
    private static IReadOnlyList<ConfigError> Errors(string routes) =>
        ConfigLoader.Validate(System.Text.Encoding.UTF8.GetBytes(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:3025"), $""" "routes": {routes}, """)), out _);

    [Fact]
    public void Parse_Routes_ReadWithDefaultsAndOrder()
    {
        var config = ConfigLoader.Parse(TestProxies.Json("""{ "url": "http://127.0.0.1:3025", "tag": "eu" }""", """
            "routes": [
              { "name": "eu-sites", "match": ["*.example.eu", "example.de", "10.0.0.0/8", "*:25"], "action": "upstreams", "tag": "eu" },
              { "match": ["intranet.local"], "action": "direct" },
              { "name": "blocked", "match": ["ads.example.com"], "action": "deny" },
              { "name": "default-action", "match": ["*"] }
            ],
            """));

        Assert.Collection(config.Routes,
            r => Assert.Equal(new RouteConfig("eu-sites", ["*.example.eu", "example.de", "10.0.0.0/8", "*:25"], RouteAction.Upstreams, "eu"), r with { Match = r.Match }, RouteEquality.Instance),
            r => Assert.Equal(("routes[1]", RouteAction.Direct), (r.Name, r.Action)),
            r => Assert.Equal(RouteAction.Deny, r.Action),
            r => Assert.Equal((RouteAction.Upstreams, (string?)null), (r.Action, r.Tag)));
        Assert.Empty(ConfigWarnings.Of(config));
    }

    [Fact]
    public void Validate_BadEntries_ErrorsNameTheFieldPath()
    {
        var errors = Errors("""
            [
              { "name": "a", "match": ["ok.example"] },
              { "name": "b", "match": [] },
              { "name": "c", "match": ["10.0.0.300/8", "fine.example", 5] },
              { "name": "d", "match": ["x.example"], "action": "proxy" },
              { "name": "e", "match": ["y.example"], "action": "deny", "tag": "eu" },
              { "name": "f", "match": ["z.example"], "colour": "red" }
            ]
            """);

        Assert.Equal(["routes[1].match", "routes[2].match[0]", "routes[2].match[2]", "routes[3].action", "routes[4].tag", "routes[5].colour"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("CIDR", Assert.Single(errors, e => e.Path == "routes[2].match[0]").Message, StringComparison.Ordinal);
        Assert.Contains("upstreams, direct or deny", Assert.Single(errors, e => e.Path == "routes[3].action").Message, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.NotNull(e.Line));
    }

    [Fact]
    public void Warnings_TagNoUpstreamHas_NamesTheRouteTag()
    {
        var config = ConfigLoader.Parse(TestProxies.Json("""{ "url": "http://127.0.0.1:3025", "tag": "us" }""",
            """ "routes": [ { "name": "eu-sites", "match": ["*.example.eu"], "tag": "eu" } ], """));

        var warning = Assert.Single(ConfigWarnings.Of(config));
        Assert.Equal("routes[0].tag", warning.Path);
        Assert.Contains("'eu'", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UserLimits_ReadAndValidated()
    {
        var config = ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:3025"), """
            "authentication": { "enabled": true, "users": [
              { "username": "alice", "password": "pw", "max_connections": 2, "requests_per_minute": 5, "bytes_per_second": 262144 },
              { "username": "bob", "password": "pw" } ] },
            """));
        var errors = ConfigLoader.Validate(System.Text.Encoding.UTF8.GetBytes(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:3025"), """
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw", "max_connections": -1, "bytes_per_second": "fast" } ] },
            """)), out _);

        var alice = config.Authentication.Users[0];
        Assert.Equal((2, 5, 262144L), (alice.MaxConnections, alice.RequestsPerMinute, alice.BytesPerSecond));
        Assert.False(config.Authentication.Users[1].IsLimited);
        Assert.Equal(["authentication.users[0].bytes_per_second", "authentication.users[0].max_connections"], errors.Select(e => e.Path).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Diff_RoutesAndUserLimitsChanged_OneLineEach()
    {
        var before = ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:3025"), """
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw", "requests_per_minute": 5 } ] },
            "routes": [ { "name": "a", "match": ["a.example"], "action": "deny" } ],
            """));
        var after = ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:3025"), """
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw", "requests_per_minute": 10 } ] },
            "routes": [ { "name": "a", "match": ["a.example"], "action": "direct" } ],
            """));

        var changes = ConfigDiff.Compute(before, after);

        Assert.Equal("requests_per_minute 5 -> 10", Assert.Single(changes, c => c.Name == "alice").Detail);
        Assert.Contains("-> a: [a.example] -> direct", Assert.Single(changes, c => c.Name == "routes").Detail, StringComparison.Ordinal);
    }

    /// <summary>Records holding lists compare the lists by reference; routes compare by content here.</summary>
    private sealed class RouteEquality : IEqualityComparer<RouteConfig>
    {
        public static readonly RouteEquality Instance = new();

        public bool Equals(RouteConfig? x, RouteConfig? y) => x!.ToString() == y!.ToString();

        public int GetHashCode(RouteConfig obj) => obj.ToString().GetHashCode(StringComparison.Ordinal);
    }
}
