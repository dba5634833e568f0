using System.Text;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

/// <summary>upstream_sources in the config: read with defaults, errors naming the field, paths relative to the config file.</summary>
public sealed class UpstreamSourcesConfigTests
{
    private static IReadOnlyList<ConfigError> Errors(string json)
    {
        var errors = ConfigLoader.Validate(Encoding.UTF8.GetBytes(json), out _);
        Assert.NotEmpty(errors);
        return errors;
    }

    [Fact]
    public void Parse_SourcesWithoutUpstreamProxies_IsValid()
    {
        var config = ConfigLoader.Parse("""
            { "upstream_sources": [ { "path": "proxies.txt", "refresh_seconds": 5, "tag": "b", "weight": 2 }, { "url": "http://127.0.0.1:8000/list.txt" } ] }
            """);

        Assert.Empty(config.UpstreamProxies);
        var (file, url) = (config.UpstreamSources[0], config.UpstreamSources[1]);
        Assert.Equal(("proxies.txt", TimeSpan.FromSeconds(5), "b", 2), (file.Path, file.Refresh, file.Tag, file.Weight));
        Assert.Equal(new Uri("http://127.0.0.1:8000/list.txt"), url.Url);
        Assert.Equal((UpstreamSourceConfig.DefaultRefresh, "", 1), (url.Refresh, url.Tag, url.Weight));
    }

    [Fact]
    public void Parse_NeitherUpstreamsNorSources_SaysUpstreamProxiesIsRequired()
    {
        var error = Assert.Single(Errors("""{ "retries": 1 }"""));

        Assert.Equal("upstream_proxies", error.Path);
    }

    [Theory]
    [InlineData("""{ "url": "ftp://example.test/list" }""", "upstream_sources[1].url", "http:// or https://")]
    [InlineData("""{ "url": "not a url" }""", "upstream_sources[1].url", "http:// or https://")]
    [InlineData("""{ }""", "upstream_sources[1].path", "exactly one of path")]
    [InlineData("""{ "path": "a.txt", "url": "http://127.0.0.1/x" }""", "upstream_sources[1].url", "exactly one of path")]
    [InlineData("""{ "path": " " }""", "upstream_sources[1].path", "must not be empty")]
    [InlineData("""{ "path": "a.txt", "refresh_seconds": 0.5 }""", "upstream_sources[1].refresh_seconds", "from 1 to")]
    [InlineData("""{ "path": "a.txt", "weight": -1 }""", "upstream_sources[1].weight", "from 0 to 1000")]
    [InlineData("""{ "path": "a.txt", "refrsh_seconds": 5 }""", "upstream_sources[1].refrsh_seconds", "not a known field")]
    [InlineData("""{ "path": "proxies.txt" }""", "upstream_sources[1]", "a second time")]
    [InlineData(""" "proxies.txt" """, "upstream_sources[1]", "must be an object")]
    public void Parse_BadSecondSource_NamesItsField(string second, string path, string fragment)
    {
        var errors = Errors($$"""{ "upstream_sources": [ { "path": "proxies.txt" }, {{second}} ] }""");

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        // A missing field has no line of its own.
        Assert.True(error.Line is not null || second.Trim() == "{ }");
    }

    [Fact]
    public void Parse_BadUrlWithPassword_HidesIt()
    {
        var error = Assert.Single(Errors("""{ "upstream_sources": [ { "url": "ftp://u:Hidden99@example.test/list" } ] }"""));

        Assert.DoesNotContain("Hidden99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_RelativePath_IsTheConfigFilesFolders()
    {
        var folder = Directory.CreateTempSubdirectory("netdrift-sources-").FullName;
        try
        {
            var file = Path.Combine(folder, "proxy.json");
            File.WriteAllText(file, """{ "upstream_sources": [ { "path": "lists/proxies.txt" }, { "path": "/abs/other.txt" } ] }""");

            var config = ConfigLoader.LoadFile(file);

            Assert.Equal(Path.Combine(folder, "lists", "proxies.txt"), config.UpstreamSources[0].Path);
            Assert.Equal("/abs/other.txt", config.UpstreamSources[1].Path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("http://user:Secret7@lists.example/p.txt?token=Secret8", "http://user:***@lists.example/p.txt?***")]
    [InlineData("https://lists.example:8443/p.txt", "https://lists.example:8443/p.txt")]
    public void Location_OfUrl_HidesPasswordAndQuery(string url, string shown) =>
        Assert.Equal(shown, new UpstreamSourceConfig { Url = new Uri(url) }.Location);
}
