using System.Globalization;
using System.Text.Json.Nodes;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Configuration;

/// <summary>
/// ConfigDiff as Update-NetDriftConfig reports it: every setting the schema declares shows up
/// under its own path when it changes, upstreams and users are added, removed and changed by name,
/// and no password or upstream credential ever appears in a detail.
/// </summary>
public sealed class ConfigDiffTests
{
    private const string Upstreams = """
        "upstream_proxies": [
          { "url": "http://user:UpSecret1@10.0.0.1:3128", "name": "a", "weight": 1 },
          { "url": "http://10.0.0.2:3128", "name": "b", "weight": 2, "tag": "eu" }
        ]
        """;

    private static NetDriftConfig Parse(string body) => ConfigLoader.Parse("{" + body + "}");

    private static NetDriftConfig Base() => Parse(Upstreams);

    /// <summary>Every scalar setting of the schema, with a valid value other than its default.</summary>
    public static TheoryData<string, string> SchemaSettings()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "configs/netdrift.schema.json")))!;
        var data = new TheoryData<string, string>();
        foreach (var (path, property) in Leaves(schema, ""))
        {
            // Arrays are compared as lists (their own rows below); authentication.enabled reads as "must log in";
            // server.tls needs real certificate files (TlsConfigDiffTests).
            if (path is "$schema" or "authentication.enabled" || property["type"]?.GetValue<string>() == "array" || path.StartsWith("server.tls.", StringComparison.Ordinal))
            {
                continue;
            }
            data.Add(path, OtherValue(path, property));
        }
        return data;
    }

    private static IEnumerable<(string Path, JsonNode Property)> Leaves(JsonNode node, string prefix)
    {
        foreach (var (name, property) in node["properties"]?.AsObject() ?? [])
        {
            var path = prefix.Length == 0 ? name : prefix + "." + name;
            if (property!["properties"] is not null)
            {
                foreach (var leaf in Leaves(property, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (path, property);
            }
        }
    }

    private static string OtherValue(string path, JsonNode property)
    {
        var fallback = property["default"];
        if (property["enum"] is JsonArray options)
        {
            return options.Select(o => o!.ToJsonString()).First(o => o != fallback?.ToJsonString());
        }
        return (property["type"]?.GetValue<string>(), path) switch
        {
            ("boolean", _) => fallback!.GetValue<bool>() ? "false" : "true",
            ("integer" or "number", _) => NumberOtherThan(fallback!.GetValue<double>(), property["maximum"]?.GetValue<double>()),
            (_, "server.listen_address") => "\"127.0.0.1:3999\"",
            (_, "server.name") => "\"renamed\"",
            (_, "server.stats_endpoint") => "\"/other-stats\"",
            (_, "metrics_endpoint") => "\"/other-metrics\"",
            (_, "access_log") => """{ "path": "access.log" }""",
            (_, "sessions.separator") => "\"-sess-\"",
            _ => throw new InvalidOperationException($"{path}: the test does not know a second value for this setting; add one"),
        };
    }

    private static string NumberOtherThan(double value, double? maximum) =>
        (value + 1 <= (maximum ?? double.MaxValue) ? value + 1 : value - 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>{"a":{"b":1}} from "a.b" and "1", so each setting is written where the schema puts it.</summary>
    private static string Nested(string path, string value)
    {
        var parts = path.Split('.');
        var json = value;
        for (var i = parts.Length - 1; i > 0; i--)
        {
            json = $$"""{ "{{parts[i]}}": {{json}} }""";
        }
        return $"\"{parts[0]}\": {json}";
    }

    [Theory]
    [MemberData(nameof(SchemaSettings))]
    public void EverySchemaSetting_WhenChanged_IsReportedUnderItsPath(string path, string value)
    {
        var changed = Parse(Nested(path, value) + "," + Upstreams);

        var changes = ConfigDiff.Compute(Base(), changed);

        var change = Assert.Single(changes);
        Assert.Equal(ConfigChangeScope.Setting, change.Scope);
        Assert.Equal(ConfigChangeKind.Changed, change.Kind);
        Assert.Equal(path, change.Name);
        Assert.Contains("->", change.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void SameConfig_NoChanges() => Assert.Empty(ConfigDiff.Compute(Base(), Base()));

    [Theory]
    [InlineData(""" "allowed_ports": [ 443 ], """, "allowed_ports")]
    [InlineData(""" "server": { "proxy_protocol": { "trusted": [ "10.0.0.0/8" ] } }, """, "server.proxy_protocol.trusted")]
    [InlineData(""" "health_check": { "endpoints": [ "http://example.test/" ] }, """, "health_check.endpoints")]
    [InlineData(""" "upstream_sources": [ { "path": "/lists/p.txt" } ], """, "upstream_sources")]
    public void ListSettings_WhenChanged_AreReported(string field, string path)
    {
        var change = Assert.Single(ConfigDiff.Compute(Base(), Parse(field + Upstreams)));
        Assert.Equal(path, change.Name);
    }

    [Fact]
    public void Upstreams_AddedRemovedAndChanged_ByName_WithoutCredentials()
    {
        var changed = Parse("""
            "upstream_proxies": [
              { "url": "http://user:UpSecret2@10.0.0.9:3128", "name": "a", "weight": 3, "tag": "us", "note": "moved" },
              { "url": "http://10.0.0.3:3128", "name": "c" }
            ]
            """);

        var changes = ConfigDiff.Compute(Base(), changed);

        var a = Assert.Single(changes, c => c.Name == "a");
        Assert.Equal(ConfigChangeKind.Changed, a.Kind);
        Assert.Contains("address 10.0.0.1:3128 -> 10.0.0.9:3128", a.Detail, StringComparison.Ordinal);
        Assert.Contains("credentials changed", a.Detail, StringComparison.Ordinal);
        Assert.Contains("weight 1 -> 3", a.Detail, StringComparison.Ordinal);
        Assert.Contains("tag (none) -> us", a.Detail, StringComparison.Ordinal);
        Assert.Equal(ConfigChangeKind.Added, Assert.Single(changes, c => c.Name == "c").Kind);
        Assert.Equal(ConfigChangeKind.Removed, Assert.Single(changes, c => c.Name == "b").Kind);
        Assert.All(changes, c => Assert.Equal(ConfigChangeScope.Upstream, c.Scope));
        Assert.All(changes, c => Assert.DoesNotContain("UpSecret", c.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public void Users_AddedRemovedAndPasswordChanged_WithoutPasswords()
    {
        var before = Parse("""
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "Old-Secret" }, { "username": "bob", "password": "b0b" } ] },
            """ + Upstreams);
        var after = Parse("""
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "New-Secret" }, { "username": "carol", "password": "c4rol" } ] },
            """ + Upstreams);

        var changes = ConfigDiff.Compute(before, after);

        Assert.Equal(3, changes.Count);
        Assert.Equal("password changed", Assert.Single(changes, c => c.Name == "alice").Detail);
        Assert.Equal(ConfigChangeKind.Added, Assert.Single(changes, c => c.Name == "carol").Kind);
        Assert.Equal(ConfigChangeKind.Removed, Assert.Single(changes, c => c.Name == "bob").Kind);
        Assert.All(changes, c => Assert.Equal(ConfigChangeScope.User, c.Scope));
        Assert.All(changes, c => Assert.DoesNotContain("Secret", c.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public void AuthenticationSwitchedOn_SaysClientsMustLogIn()
    {
        var on = Parse("""
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw" } ] },
            """ + Upstreams);

        var change = Assert.Single(ConfigDiff.Compute(Base(), on), c => c.Scope == ConfigChangeScope.Setting);

        Assert.Equal("authentication.enabled", change.Name);
        Assert.Equal("clients must now log in", change.Detail);
    }
}
