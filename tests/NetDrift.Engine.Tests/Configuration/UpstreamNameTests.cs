using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

/// <summary>Upstream names go into the X-NetDrift-Upstream header and log lines: control characters are refused where a name enters.</summary>
public sealed class UpstreamNameTests
{
    public static TheoryData<string> BadNames => new()
    {
        "a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\0", "tab\there", "del\u007f", "c1\u0085", "esc\u001b[31m",
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public void ConfigFile_ControlCharacterInName_ErrorNamesTheField(string name)
    {
        var json = $$"""
            { "upstream_proxies": [
                { "url": "http://127.0.0.1:3128", "name": "good" },
                { "url": "http://127.0.0.1:3129", "name": {{System.Text.Json.JsonSerializer.Serialize(name)}} } ] }
            """;

        var error = Assert.Single(ConfigLoader.Validate(System.Text.Encoding.UTF8.GetBytes(json), out _));

        Assert.Equal("upstream_proxies[1].name", error.Path);
        Assert.Contains("control characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void ParseUpstream_ControlCharacterInName_RefusedNamingTheParameter(string name)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.ParseUpstream("http://127.0.0.1:3128", "-Url", name));

        Assert.Equal("-Name", Assert.Single(e.Errors).Path);
    }

    [Theory]
    [InlineData("us-east 1")]
    [InlineData("Zürich (backup)")]
    [InlineData("東京")]
    public void Name_PrintableText_Accepted(string name)
    {
        Assert.Null(UpstreamName.Problem(name));
        Assert.Equal(name, ConfigLoader.ParseUpstream("http://127.0.0.1:3128", "-Url", name).Name);
    }
}
