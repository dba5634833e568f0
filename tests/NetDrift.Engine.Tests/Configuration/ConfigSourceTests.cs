using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

public sealed class ConfigSourceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netdrift-source-").FullName;

    /// <summary>Resolves nothing by DNS, so the tests never wait on a resolver.</summary>
    private static readonly ConfigCheck NoHostCheck = (_, _) => Task.FromResult<IReadOnlyList<ConfigError>>([]);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_folder, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private const string Good = """{ "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ], "retries": 4 }""";

    [Fact]
    public async Task LoadAsync_GoodFileAndOverrides_ReturnsTheFileWithOverridesApplied()
    {
        var path = Write(Good);

        var loaded = await ConfigSource.LoadAsync(path, new ConfigOverrides { Retries = 0 }, NoHostCheck);

        Assert.True(loaded.IsValid);
        Assert.Empty(loaded.Errors);
        Assert.Equal(path, loaded.Path);
        Assert.Equivalent(ConfigLoader.LoadFile(path) with { Retries = 0 }, loaded.Config, strict: true);
        Assert.Same(loaded.Config, loaded.GetConfigOrThrow());
    }

    [Fact]
    public async Task LoadAsync_NoPath_LoadsTheEmbeddedDefault()
    {
        var loaded = await ConfigSource.LoadAsync(null, hostCheck: NoHostCheck);

        Assert.True(loaded.IsValid);
        Assert.Null(loaded.Path);
        Assert.Equivalent(DefaultConfig.Load(), loaded.Config, strict: true);
    }

    [Fact]
    public async Task LoadAsync_MissingFile_FileNotFoundNamingTheFile()
    {
        var path = Path.Combine(_folder, "missing.json");

        var loaded = await ConfigSource.LoadAsync(path, hostCheck: NoHostCheck);

        Assert.Equal(ConfigLoadFailure.FileNotFound, loaded.Failure);
        Assert.Null(loaded.Config);
        var error = Assert.Single(loaded.Errors);
        Assert.Equal("(file)", error.Path);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BadField_InvalidFileNamingFieldAndLine()
    {
        var path = Write("""
            {
              "upstream_proxies": [ { "url": "http://127.0.0.1:3025", "weight": -1 } ]
            }
            """);

        var loaded = await ConfigSource.LoadAsync(path, new ConfigOverrides { ListenAddress = "bad" }, NoHostCheck);

        Assert.Equal(ConfigLoadFailure.InvalidFile, loaded.Failure);
        var error = Assert.Single(loaded.Errors);
        Assert.Equal(("upstream_proxies[0].weight", 2), (error.Path, error.Line));
        var thrown = Assert.Throws<ConfigException>(() => loaded.GetConfigOrThrow());
        Assert.Equal(path, thrown.Source);
        Assert.Equal(loaded.Errors, thrown.Errors);
    }

    [Fact]
    public async Task LoadAsync_BadOverride_InvalidOverridesNamingTheParameterNotTheFile()
    {
        var path = Write(Good);

        var loaded = await ConfigSource.LoadAsync(path, new ConfigOverrides { UpstreamUrls = ["ftp://127.0.0.1:21"] }, NoHostCheck);

        Assert.Equal(ConfigLoadFailure.InvalidOverrides, loaded.Failure);
        Assert.Equal("-Upstream[0]", Assert.Single(loaded.Errors).Path);
        Assert.Null(loaded.ToException().Source);
    }

    [Fact]
    public async Task LoadAsync_HostCheckRefuses_UnresolvableHostAfterOverrides()
    {
        var path = Write(Good);
        NetDriftConfig? checkedConfig = null;
        ConfigCheck refuse = (config, _) =>
        {
            checkedConfig = config;
            return Task.FromResult<IReadOnlyList<ConfigError>>([new ConfigError("upstream_proxies[0].url", null, "host 'x' does not resolve")]);
        };

        var loaded = await ConfigSource.LoadAsync(path, new ConfigOverrides { Retries = 1 }, refuse);

        Assert.Equal(ConfigLoadFailure.UnresolvableHost, loaded.Failure);
        Assert.Equal("upstream_proxies[0].url", Assert.Single(loaded.Errors).Path);
        Assert.Equal(1, checkedConfig!.Retries);
        Assert.Equal(path, loaded.ToException().Source);
    }

    [Fact]
    public async Task LoadAsync_DefaultHostCheck_ResolvesUpstreamHostNames()
    {
        // RFC 2606 keeps .invalid from ever resolving; a literal IP is never looked up.
        var path = Write("""
            { "upstream_proxies": [ { "url": "http://127.0.0.1:3025" }, { "url": "http://netdrift-placeholder.invalid:3128" } ] }
            """);

        var loaded = await ConfigSource.LoadAsync(path);

        Assert.Equal(ConfigLoadFailure.UnresolvableHost, loaded.Failure);
        Assert.Equal("upstream_proxies[1].url", Assert.Single(loaded.Errors).Path);
    }
}
