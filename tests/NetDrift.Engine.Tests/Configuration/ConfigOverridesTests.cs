using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

public sealed class ConfigOverridesTests
{
    private static readonly NetDriftConfig FromFile = ConfigLoader.Parse("""
        {
          "server": { "name": "file", "listen_address": "127.0.0.1:4000" },
          "authentication": { "enabled": true, "users": [ { "username": "file-user", "password": "pw" } ] },
          "upstream_proxies": [ { "url": "http://127.0.0.1:3025", "weight": 3 } ],
          "load_balancing": "round-robin",
          "upstream_timeout": 7,
          "retries": 4,
          "logging": { "level": "Debug" }
        }
        """);

    [Fact]
    public void ApplyTo_None_ReturnsTheFilesConfig()
    {
        Assert.Equal(FromFile, ConfigOverrides.None.ApplyTo(FromFile));
        Assert.Empty(ConfigOverrides.None.Validate());
    }

    [Fact]
    public void ApplyTo_ListenAddress_ReplacesOnlyTheListenAddress()
    {
        var config = new ConfigOverrides { ListenAddress = "127.0.0.1:0" }.ApplyTo(FromFile);

        Assert.Equal("127.0.0.1:0", config.Server.ListenAddress);
        Assert.Equal(FromFile with { Server = FromFile.Server with { ListenAddress = "127.0.0.1:0" } }, config);
    }

    [Fact]
    public void ApplyTo_UpstreamUrls_ReplaceTheFilesListNamedByAuthority()
    {
        var config = new ConfigOverrides { UpstreamUrls = ["http://127.0.0.1:9001", "http://u:p@127.0.0.1:9002"] }.ApplyTo(FromFile);

        Assert.Equal(["127.0.0.1:9001", "127.0.0.1:9002"], config.UpstreamProxies.Select(u => u.Name));
        Assert.All(config.UpstreamProxies, u => Assert.Equal(1, u.Weight));
        Assert.Equal(FromFile with { UpstreamProxies = config.UpstreamProxies }, config);
    }

    [Fact]
    public void ApplyTo_Users_ReplaceTheFilesUsersAndTurnAuthenticationOn()
    {
        var off = FromFile with { Authentication = new AuthenticationConfig() };

        var config = new ConfigOverrides { Users = [new UserConfig("alice", "s3cret")] }.ApplyTo(off);

        Assert.True(config.Authentication.IsRequired);
        var user = Assert.Single(config.Authentication.Users);
        Assert.Equal(("alice", "s3cret"), (user.Username, user.Password));
        Assert.Equal(off with { Authentication = config.Authentication }, config);
    }

    [Fact]
    public void ApplyTo_NoUsers_TurnsAuthenticationOff()
    {
        var config = new ConfigOverrides { Users = [] }.ApplyTo(FromFile);

        Assert.False(config.Authentication.Enabled);
        Assert.Empty(config.Authentication.Users);
    }

    [Fact]
    public void ApplyTo_LoadBalancing_ReplacesTheFilesStrategy()
    {
        var config = new ConfigOverrides { LoadBalancing = LoadBalancingNames.LeastLatency }.ApplyTo(FromFile);

        Assert.Equal(FromFile with { LoadBalancing = LoadBalancingNames.LeastLatency }, config);
    }

    [Fact]
    public void ApplyTo_UpstreamTimeout_ReplacesTheFilesTimeout()
    {
        var config = new ConfigOverrides { UpstreamTimeout = TimeSpan.FromMilliseconds(1500) }.ApplyTo(FromFile);

        Assert.Equal(FromFile with { UpstreamTimeout = TimeSpan.FromMilliseconds(1500) }, config);
    }

    [Fact]
    public void ApplyTo_Retries_ReplacesTheFilesRetriesZeroIncluded()
    {
        var config = new ConfigOverrides { Retries = 0 }.ApplyTo(FromFile);

        Assert.Equal(FromFile with { Retries = 0 }, config);
    }

    [Fact]
    public void ApplyTo_LogLevel_ReplacesOnlyTheLevel()
    {
        var config = new ConfigOverrides { LogLevel = "Error" }.ApplyTo(FromFile);

        Assert.Equal(FromFile with { Logging = FromFile.Logging with { Level = "Error" } }, config);
    }

    [Theory]
    [InlineData("-Listen")]
    [InlineData("-Upstream[1]")]
    [InlineData("-Upstream")]
    [InlineData("-LoadBalancing")]
    [InlineData("-UpstreamTimeout")]
    [InlineData("-Retries")]
    [InlineData("-LogLevel")]
    public void ApplyTo_BadValue_ThrowsNamingTheParameterAndNoFile(string parameter)
    {
        var overrides = parameter switch
        {
            "-Listen" => new ConfigOverrides { ListenAddress = "127.0.0.1" },
            "-Upstream[1]" => new ConfigOverrides { UpstreamUrls = ["http://127.0.0.1:9001", "ftp://127.0.0.1:9002"] },
            "-Upstream" => new ConfigOverrides { UpstreamUrls = ["http://127.0.0.1:9001", "http://127.0.0.1:9001"] },
            "-LoadBalancing" => new ConfigOverrides { LoadBalancing = "fastest" },
            "-UpstreamTimeout" => new ConfigOverrides { UpstreamTimeout = TimeSpan.Zero },
            "-Retries" => new ConfigOverrides { Retries = 101 },
            _ => new ConfigOverrides { LogLevel = "4" },
        };

        var e = Assert.Throws<ConfigException>(() => overrides.ApplyTo(FromFile));

        Assert.Equal(parameter, Assert.Single(e.Errors).Path);
        Assert.Equal(e.Errors, overrides.Validate());
        Assert.Null(e.Source);
        Assert.StartsWith($"Invalid config: {parameter}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadValues_NamesEach()
    {
        var overrides = new ConfigOverrides { ListenAddress = "nowhere", UpstreamTimeout = TimeSpan.FromHours(2), Retries = -1 };

        Assert.Equal(["-Listen", "-UpstreamTimeout", "-Retries"], overrides.Validate().Select(e => e.Path));
    }
}
