using System.Text;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private static IReadOnlyList<ConfigError> Errors(string json)
    {
        var errors = ConfigLoader.Validate(Encoding.UTF8.GetBytes(json), out var config);
        Assert.NotEmpty(errors);
        Assert.Null(config);
        return errors;
    }

    private static ConfigError SingleError(string json, string path)
    {
        var errors = Errors(json);
        return Assert.Single(errors, e => e.Path == path);
    }

    private static string WithUpstreams(string upstreamFields, string extra = "") =>
        $$"""{ {{extra}} "upstream_proxies": [ { "url": "http://127.0.0.1:3025" {{upstreamFields}} } ] }""";

    // ---- The Go templates ----------------------------------------------------------------------

    [Fact]
    public void LoadFile_GoTemplateUs_LoadsWithGoMeaning()
    {
        var config = ConfigLoader.LoadFile(RepoPaths.GoNetDrift("template-us.json"));

        Assert.Equal("US Proxy Pool", config.Server.Name);
        Assert.Equal("127.0.0.1:3130", config.Server.ListenAddress);
        Assert.Equal("/stats", config.Server.StatsEndpoint);
        Assert.Equal(["127.0.0.1:3025", "127.0.0.1:3026"], config.UpstreamProxies.Select(u => u.Name));
        Assert.All(config.UpstreamProxies, u => Assert.Equal(1, u.Weight));
        Assert.All(config.UpstreamProxies, u => Assert.True(u.Enabled));
        Assert.Equal("Primary test proxy server", config.UpstreamProxies[0].Note);
        Assert.True(config.Authentication.Enabled);
        Assert.True(config.Authentication.IsRequired);
        var user = Assert.Single(config.Authentication.Users);
        Assert.Equal("proxyuser", user.Username);
        Assert.Equal("Proxy234", user.Password);
        Assert.Equal(TimeSpan.FromSeconds(5), config.UpstreamTimeout);
        Assert.True(config.HealthCheck.Enabled);
        Assert.Equal(3, config.HealthCheck.FailureThreshold);
        Assert.Equal(1, config.HealthCheck.RecoveryThreshold);
        Assert.Equal(TimeSpan.FromSeconds(300), config.HealthCheck.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), config.HealthCheck.Timeout);
        Assert.Equal(2, config.HealthCheck.Endpoints.Count);
        Assert.True(config.HealthCheck.EndpointRotation);
        Assert.Equal(LoadBalancingNames.WeightedRoundRobin, config.LoadBalancing);
    }

    [Fact]
    public void LoadFile_GoTemplateProduction_RefusedNamingFirstUpstreamUrl()
    {
        var path = RepoPaths.GoNetDrift("template-production.json");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.Equal(path, e.Source);
        var error = Assert.Single(e.Errors, x => x.Path == "upstream_proxies[0].url");
        Assert.Equal(18, error.Line);
        Assert.Contains(e.Errors, x => x.Path == "upstream_proxies[1].url");
        Assert.Contains("upstream_proxies[0].url", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("password@", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_MissingFile_ConfigErrorNotIoException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netdrift-missing-{Guid.NewGuid():N}.json");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.Equal("(file)", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void LoadFile_Utf8ByteOrderMark_Loads()
    {
        // Windows PowerShell's Set-Content -Encoding UTF8 and Notepad write a BOM.
        var path = Path.Combine(Path.GetTempPath(), $"netdrift-bom-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ] }""", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        try
        {
            var config = ConfigLoader.LoadFile(path);

            Assert.Single(config.UpstreamProxies);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- Defaults and Go compatibility ---------------------------------------------------------

    [Fact]
    public void Parse_OnlyUpstreams_DefaultsApply()
    {
        var config = ConfigLoader.Parse("""{ "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ] }""");

        var upstream = Assert.Single(config.UpstreamProxies);
        Assert.True(upstream.Enabled);
        Assert.Equal(1, upstream.Weight);
        Assert.True(upstream.InRotation);
        Assert.Equal("", upstream.Tag);
        Assert.Equal("127.0.0.1:3025", upstream.Name);
        Assert.False(config.Authentication.IsRequired);
        Assert.Equal(2, config.Retries);
        Assert.Equal(TimeSpan.FromSeconds(5), config.UpstreamTimeout);
        Assert.Empty(config.AllowedPorts);
        Assert.Equal("/metrics", config.MetricsEndpoint);
        Assert.False(config.ExposeUpstream);
        Assert.Equal(LoadBalancingNames.WeightedRoundRobin, config.LoadBalancing);
        Assert.Equal(3, config.HealthCheck.FailureThreshold);
        Assert.Equal(1, config.HealthCheck.RecoveryThreshold);
        Assert.False(config.HealthCheck.Enabled);
    }

    [Fact]
    public void Parse_WeightZeroAndDisabled_LoadedButOutOfRotation()
    {
        var config = ConfigLoader.Parse("""
            { "upstream_proxies": [
                { "url": "http://127.0.0.1:1", "weight": 0 },
                { "url": "http://127.0.0.1:2", "enabled": false, "weight": 5 },
                { "url": "http://127.0.0.1:3", "weight": 3, "name": "third", "tag": "eu", "note": "n" } ] }
            """);

        Assert.Equal([false, false, true], config.UpstreamProxies.Select(u => u.InRotation));
        Assert.Equal("third", config.UpstreamProxies[2].Name);
        Assert.Equal("eu", config.UpstreamProxies[2].Tag);
        Assert.Equal(3, config.UpstreamProxies[2].Weight);
    }

    [Fact]
    public void Parse_UpstreamCredentials_DecodedAndRedacted()
    {
        var config = ConfigLoader.Parse("""{ "upstream_proxies": [ { "url": "http://u1:p%40ss:w@127.0.0.1:3027" } ] }""");

        var upstream = Assert.Single(config.UpstreamProxies);
        Assert.Equal("127.0.0.1:3027", upstream.Name);
        Assert.Equal("p@ss:w", upstream.Url.Credentials!.Value.Password);
        Assert.Equal("http://u1:***@127.0.0.1:3027", upstream.Url.Redacted);
    }

    [Fact]
    public void Parse_AllKnownFields_Read()
    {
        var config = ConfigLoader.Parse("""
            {
              "server": { "name": "N", "listen_address": "0.0.0.0:0", "stats_endpoint": "/s" },
              "authentication": { "enabled": true, "users": [ { "username": "a", "password": "b" } ] },
              "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ],
              "upstream_timeout": 0.5,
              "health_check": { "enabled": false, "failure_threshold": 0 },
              "load_balancing": "sticky",
              "retries": 0,
              "limits": { "max_connections": 5, "header_timeout_seconds": 0.25, "idle_timeout_seconds": 2, "max_header_bytes": 2048 },
              "allowed_ports": [ 443, 8443 ],
              "metrics_endpoint": "/m",
              "expose_upstream": true,
              "logging": { "level": "Warning", "format": "json" }
            }
            """);

        Assert.Equal(TimeSpan.FromMilliseconds(500), config.UpstreamTimeout);
        Assert.Equal(0, config.HealthCheck.FailureThreshold);
        Assert.Equal("sticky", config.LoadBalancing);
        Assert.Equal(0, config.Retries);
        Assert.Equal(5, config.Limits.MaxConnections);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Limits.HeaderTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Limits.IdleTimeout);
        Assert.Equal(2048, config.Limits.MaxHeaderBytes);
        Assert.Equal([443, 8443], config.AllowedPorts);
        Assert.Equal("/m", config.MetricsEndpoint);
        Assert.Equal("/s", config.Server.StatsEndpoint);
        Assert.True(config.ExposeUpstream);
        Assert.Equal("Warning", config.Logging.Level);
        Assert.Equal("json", config.Logging.Format);
    }

    [Fact]
    public void Parse_CommentsInJson_Allowed()
    {
        var config = ConfigLoader.Parse("""
            {
              // the pool
              "upstream_proxies": [ { "url": "http://127.0.0.1:3025" /* primary */ } ]
            }
            """);

        Assert.Single(config.UpstreamProxies);
    }

    // ---- Unknown fields, with path and line ----------------------------------------------------

    [Fact]
    public void Validate_UnknownNestedField_NamesPathAndLine()
    {
        var error = SingleError("""
            {
              "upstream_proxies": [
                { "url": "http://127.0.0.1:3025" },
                {
                  "url": "http://127.0.0.1:3026",
                  "wieght": 3
                }
              ]
            }
            """, "upstream_proxies[1].wieght");

        Assert.Equal(6, error.Line);
        Assert.Contains("weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownTopLevelField_NamesPathAndLine()
    {
        var error = SingleError("""
            {
              "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ],

              "load_balancer": "round-robin"
            }
            """, "load_balancer");

        Assert.Equal(4, error.Line);
    }

    [Theory]
    [InlineData("server", """{ "nmae": "x" }""", "server.nmae")]
    [InlineData("authentication", """{ "enable": true }""", "authentication.enable")]
    [InlineData("authentication", """{ "users": [ { "username": "a", "password": "b", "pass": "c" } ] }""", "authentication.users[0].pass")]
    [InlineData("health_check", """{ "interval": 5 }""", "health_check.interval")]
    [InlineData("limits", """{ "max_header_size": 5 }""", "limits.max_header_size")]
    [InlineData("logging", """{ "colour": true }""", "logging.colour")]
    public void Validate_UnknownFieldInSection_NamesFullPath(string section, string value, string path)
    {
        var json = $$"""
            {
              "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ],
              "{{section}}": {{value}}
            }
            """;

        var error = SingleError(json, path);

        Assert.Equal(3, error.Line);
    }

    // ---- Wrong types and bad values ------------------------------------------------------------

    [Fact]
    public void Validate_StringWeight_OneErrorNamingField()
    {
        var error = SingleError(WithUpstreams(""", "weight": "3" """), "upstream_proxies[0].weight");

        Assert.Contains("whole number", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Validate_NumberUrl_OneErrorNamingField()
    {
        var errors = Errors("""{ "upstream_proxies": [ { "url": 3025 } ] }""");

        var error = Assert.Single(errors);
        Assert.Equal("upstream_proxies[0].url", error.Path);
        Assert.Contains("string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingUrl_Required()
    {
        var error = Assert.Single(Errors("""{ "upstream_proxies": [ { "weight": 1 } ] }"""));

        Assert.Equal("upstream_proxies[0].url", error.Path);
        Assert.Contains("required", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(""", "weight": -1 """, "upstream_proxies[0].weight")]
    [InlineData(""", "weight": 1.5 """, "upstream_proxies[0].weight")]
    [InlineData(""", "enabled": "yes" """, "upstream_proxies[0].enabled")]
    [InlineData(""", "tag": 5 """, "upstream_proxies[0].tag")]
    [InlineData(""", "name": [] """, "upstream_proxies[0].name")]
    public void Validate_BadUpstreamField_OneErrorNamingField(string fields, string path)
    {
        var error = Assert.Single(Errors(WithUpstreams(fields)));

        Assert.Equal(path, error.Path);
        Assert.Equal(1, error.Line);
    }

    [Theory]
    [InlineData(""" "load_balancing": "random", """, "load_balancing")]
    [InlineData(""" "load_balancing": 1, """, "load_balancing")]
    [InlineData(""" "retries": -1, """, "retries")]
    [InlineData(""" "retries": "2", """, "retries")]
    [InlineData(""" "retries_on_target_error": -1, """, "retries_on_target_error")]
    [InlineData(""" "upstream_timeout": -1, """, "upstream_timeout")]
    [InlineData(""" "upstream_timeout": "5s", """, "upstream_timeout")]
    [InlineData(""" "server": { "listen_address": "localhost" }, """, "server.listen_address")]
    [InlineData(""" "server": { "listen_address": "127.0.0.1:99999" }, """, "server.listen_address")]
    [InlineData(""" "server": { "listen_address": "example.com:3130" }, """, "server.listen_address")]
    [InlineData(""" "server": { "stats_endpoint": "stats" }, """, "server.stats_endpoint")]
    [InlineData(""" "server": { "shutdown_delay_seconds": -1 }, """, "server.shutdown_delay_seconds")]
    [InlineData(""" "server": { "shutdown_delay_seconds": 3601 }, """, "server.shutdown_delay_seconds")]
    [InlineData(""" "server": { "shutdown_delay_seconds": "5" }, """, "server.shutdown_delay_seconds")]
    [InlineData(""" "server": "127.0.0.1:3130", """, "server")]
    [InlineData(""" "server": { "proxy_protocol": { "trusted": [ "127.0.0.1/32", "10.0.0.1/8" ] } }, """, "server.proxy_protocol.trusted[1]")]
    [InlineData(""" "server": { "proxy_protocol": { "trusted": [ "127.0.0.1" ] } }, """, "server.proxy_protocol.trusted[0]")]
    [InlineData(""" "server": { "proxy_protocol": { "trusted": [ "::1/129" ] } }, """, "server.proxy_protocol.trusted[0]")]
    [InlineData(""" "server": { "proxy_protocol": { "trusted": [ 127 ] } }, """, "server.proxy_protocol.trusted[0]")]
    [InlineData(""" "server": { "proxy_protocol": { "trusted": "127.0.0.1/32" } }, """, "server.proxy_protocol.trusted")]
    [InlineData(""" "server": { "proxy_protocol": { "trused": [] } }, """, "server.proxy_protocol.trused")]
    [InlineData(""" "allowed_ports": [ 0 ], """, "allowed_ports[0]")]
    [InlineData(""" "allowed_ports": [ 443, 70000 ], """, "allowed_ports[1]")]
    [InlineData(""" "allowed_ports": [ "443" ], """, "allowed_ports[0]")]
    [InlineData(""" "allowed_ports": 443, """, "allowed_ports")]
    [InlineData(""" "limits": { "max_header_bytes": 10 }, """, "limits.max_header_bytes")]
    [InlineData(""" "limits": { "header_timeout_seconds": 0 }, """, "limits.header_timeout_seconds")]
    [InlineData(""" "limits": { "max_connections": 0 }, """, "limits.max_connections")]
    [InlineData(""" "health_check": { "failure_threshold": -1 }, """, "health_check.failure_threshold")]
    [InlineData(""" "health_check": { "endpoints": [ "ftp://x" ] }, """, "health_check.endpoints[0]")]
    [InlineData(""" "health_check": { "slow_start_seconds": -1 }, """, "health_check.slow_start_seconds")]
    [InlineData(""" "health_check": { "slow_start_seconds": "10s" }, """, "health_check.slow_start_seconds")]
    [InlineData(""" "logging": { "level": "Loud" }, """, "logging.level")]
    [InlineData(""" "logging": { "format": "xml" }, """, "logging.format")]
    [InlineData(""" "metrics_endpoint": "/stats", """, "metrics_endpoint")]
    [InlineData(""" "access_log": { }, """, "access_log.path")]
    [InlineData(""" "access_log": { "path": " " }, """, "access_log.path")]
    [InlineData(""" "access_log": { "path": "a.log", "format": "common" }, """, "access_log.format")]
    [InlineData(""" "access_log": { "path": "a.log", "log_user": "no" }, """, "access_log.log_user")]
    [InlineData(""" "access_log": { "path": "a.log", "rotate": true }, """, "access_log.rotate")]
    [InlineData(""" "expose_upstream": "true", """, "expose_upstream")]
    [InlineData(""" "authentication": { "users": [ { "username": "a:b", "password": "x" } ] }, """, "authentication.users[0].username")]
    [InlineData(""" "authentication": { "users": [ { "username": "", "password": "x" } ] }, """, "authentication.users[0].username")]
    [InlineData(""" "authentication": { "users": [ { "username": "a" } ] }, """, "authentication.users[0].password")]
    [InlineData(""" "authentication": { "users": [ { "username": 7, "password": "x" } ] }, """, "authentication.users[0].username")]
    [InlineData(""" "authentication": { "users": [ { "username": "a", "password": 7 } ] }, """, "authentication.users[0].password")]
    [InlineData(""" "authentication": { "users": [ "a:b" ] }, """, "authentication.users[0]")]
    public void Validate_BadValue_ExactlyOneErrorNamingField(string extra, string path)
    {
        var errors = Errors(WithUpstreams("", extra));

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.200.0.9", true)]
    [InlineData("127.0.0.2", false)]
    [InlineData("11.0.0.1", false)]
    [InlineData("::2", false)]
    public void ProxyProtocolTrusted_CidrList_TrustsItsPeersOnly(string peer, bool trusted)
    {
        var config = ConfigLoader.Parse(WithUpstreams("", """ "server": { "proxy_protocol": { "trusted": [ "127.0.0.1/32", "::1/128", "10.0.0.0/8" ] } }, """));

        Assert.Equal(3, config.Server.ProxyProtocol.Trusted.Count);
        Assert.Equal(trusted, config.Server.ProxyProtocol.Trusts(System.Net.IPAddress.Parse(peer)));
        Assert.False(new ProxyProtocolConfig().Trusts(System.Net.IPAddress.Loopback));
    }

    [Fact]
    public void Validate_DuplicateUpstreamNames_SecondIsError()
    {
        var errors = Errors("""
            { "upstream_proxies": [
                { "url": "http://127.0.0.1:3025" },
                { "url": "http://user:pw@127.0.0.1:3025" },
                { "url": "http://127.0.0.1:3026", "name": "B" },
                { "url": "http://127.0.0.1:3027", "name": "b" } ] }
            """);

        Assert.Equal(["upstream_proxies[1].url", "upstream_proxies[3].name"], errors.Select(e => e.Path));
        Assert.Equal([3, 5], errors.Select(e => e.Line));
    }

    [Fact]
    public void Validate_DuplicateUsernames_SecondIsError()
    {
        var errors = Errors("""
            {
              "authentication": { "enabled": true, "users": [
                { "username": "alice", "password": "1" },
                { "username": "alice", "password": "2" } ] },
              "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ]
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("authentication.users[1].username", error.Path);
        Assert.Equal(4, error.Line);
        Assert.DoesNotContain("\"2\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingUpstreamProxies_Required()
    {
        var error = Assert.Single(Errors("""{ "server": { "name": "x" } }"""));

        Assert.Equal("upstream_proxies", error.Path);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Validate_RootNotObject_Error(string json)
    {
        Assert.Equal("(root)", Assert.Single(Errors(json)).Path);
    }

    [Fact]
    public void Validate_InvalidJson_ReportsLine()
    {
        var error = Assert.Single(Errors("""
            {
              "upstream_proxies": [
                { "url": "http://127.0.0.1:3025", }
              ]
            }
            """));

        Assert.Equal(3, error.Line);
        Assert.Contains("JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TruncatedJson_ReportsError()
    {
        var error = Assert.Single(Errors("{ \"upstream_proxies\": [ { \"url\": \"http://127.0.0.1:3025\" }\n"));

        Assert.NotNull(error.Line);
    }

    [Fact]
    public void Validate_SeveralProblems_AllReportedAtOnce()
    {
        var errors = Errors("""
            {
              "server": { "listen_address": "nowhere", "nmae": "x" },
              "upstream_proxies": [
                { "url": "ftp://127.0.0.1:3025" },
                { "url": "http://127.0.0.1:3026", "weight": -2 },
                { "url": "http://127.0.0.1:3027", "wieght": 2 }
              ],
              "retries": -1,
              "load_balancing": "fastest",
              "allowed_ports": [ 443, 0 ],
              "colour": "blue"
            }
            """);

        Assert.Equal(9, errors.Count);
        Assert.Equal(
            new Dictionary<string, int?>
            {
                ["server.listen_address"] = 2,
                ["server.nmae"] = 2,
                ["upstream_proxies[0].url"] = 4,
                ["upstream_proxies[1].weight"] = 5,
                ["upstream_proxies[2].wieght"] = 6,
                ["retries"] = 8,
                ["load_balancing"] = 9,
                ["allowed_ports[1]"] = 10,
                ["colour"] = 11,
            },
            errors.ToDictionary(e => e.Path, e => e.Line));
    }

    [Fact]
    public void Parse_SeveralProblems_ExceptionListsEveryOne()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            { "retries": -1, "colour": 1, "upstream_proxies": [ { "url": "http://user:Hunter2@bad host:1" } ] }
            """, "x.json"));

        Assert.Equal(3, e.Errors.Count);
        Assert.Equal("x.json", e.Source);
        Assert.Contains("3 problems", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseUpstream_Valid_NameDefaultsToAuthority()
    {
        var upstream = ConfigLoader.ParseUpstream("http://u:p@127.0.0.1:9", "Url");

        Assert.Equal("127.0.0.1:9", upstream.Name);
        Assert.Equal(1, upstream.Weight);
        Assert.True(upstream.Enabled);
    }

    [Theory]
    [InlineData("ftp://x:1", 1)]
    [InlineData("http://127.0.0.1:9", -1)]
    public void ParseUpstream_Invalid_ErrorNamesTheParameter(string url, int weight)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.ParseUpstream(url, "Url", weight: weight));

        Assert.Equal("Url", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void Validate_HugeWeight_ErrorInsteadOfAHugeCycle()
    {
        // The smooth WRR cycle has sum-of-weights entries: 2e9 would mean a 16 GB array (or an
        // OverflowException) at start, so a weight beyond UpstreamConfig.MaxWeight is a bad value.
        var error = Assert.Single(Errors(WithUpstreams($$""", "weight": {{UpstreamConfig.MaxWeight + 1}} """)));

        Assert.Equal("upstream_proxies[0].weight", error.Path);
        Assert.Equal(UpstreamConfig.MaxWeight, Assert.Single(ConfigLoader.Parse(WithUpstreams($$""", "weight": {{UpstreamConfig.MaxWeight}} """)).UpstreamProxies).Weight);
    }

    [Fact]
    public void ParseUpstream_HugeWeight_ConfigException()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.ParseUpstream("http://127.0.0.1:9", "Weight", weight: int.MaxValue));

        Assert.Equal("Weight", Assert.Single(e.Errors).Path);
    }
}
