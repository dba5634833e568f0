using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

/// <summary>access_log as the loader reads it: defaults, formats, standard output, and relative paths from the config file's folder.</summary>
public sealed class AccessLogConfigTests
{
    private const string Upstreams = """ "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ] """;

    [Fact]
    public void Parse_NoSection_NoAccessLog() => Assert.Null(ConfigLoader.Parse("{" + Upstreams + "}").AccessLog);

    [Fact]
    public void Parse_PathOnly_SquidWithUsers()
    {
        var log = ConfigLoader.Parse("""{ "access_log": { "path": "access.log" }, """ + Upstreams + "}").AccessLog!;

        Assert.Equal("access.log", log.Path);
        Assert.Equal(AccessLogFormat.Squid, log.Format);
        Assert.True(log.LogUser);
        Assert.False(log.IsStandardOutput);
    }

    [Fact]
    public void Parse_StandardOutputJsonWithoutUsers()
    {
        var log = ConfigLoader.Parse("""{ "access_log": { "path": "-", "format": "json", "log_user": false }, """ + Upstreams + "}").AccessLog!;

        Assert.True(log.IsStandardOutput);
        Assert.Equal(AccessLogFormat.Json, log.Format);
        Assert.False(log.LogUser);
    }

    [Theory]
    [InlineData("access.log", false)]
    [InlineData("logs/access.log", false)]
    [InlineData("-", true)]
    public void LoadFile_RelativePath_FromTheConfigFilesFolder(string path, bool standardOutput)
    {
        var folder = Directory.CreateTempSubdirectory("netdrift-accesslog-config-").FullName;
        try
        {
            var file = Path.Combine(folder, "netdrift.json");
            File.WriteAllText(file, $$"""{ "access_log": { "path": "{{path}}" }, {{Upstreams}} }""");

            var log = ConfigLoader.LoadFile(file).AccessLog!;

            Assert.Equal(standardOutput ? "-" : Path.Combine(folder, path), log.Path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoadFile_AbsolutePath_Kept()
    {
        var folder = Directory.CreateTempSubdirectory("netdrift-accesslog-config-").FullName;
        try
        {
            var file = Path.Combine(folder, "netdrift.json");
            var elsewhere = Path.Combine(Path.GetTempPath(), "elsewhere", "access.log");
            File.WriteAllText(file, $$"""{ "access_log": { "path": "{{elsewhere}}" }, {{Upstreams}} }""");

            Assert.Equal(elsewhere, ConfigLoader.LoadFile(file).AccessLog!.Path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{ "path": "a.log" }""", """{ "path": "b.log" }""", "a.log (squid) -> b.log (squid)")]
    [InlineData("""{ "path": "a.log" }""", """{ "path": "a.log", "format": "json", "log_user": false }""", "a.log (squid) -> a.log (json, no user)")]
    [InlineData(null, """{ "path": "a.log" }""", "off -> a.log (squid)")]
    [InlineData("""{ "path": "a.log" }""", null, "a.log (squid) -> off")]
    public void ConfigDiff_AccessLogOnOffMoved_OneLine(string? before, string? after, string detail)
    {
        static NetDriftConfig With(string? section) =>
            ConfigLoader.Parse("{" + (section is null ? "" : $"\"access_log\": {section}, ") + Upstreams + "}");

        var change = Assert.Single(ConfigDiff.Compute(With(before), With(after)));

        Assert.Equal("access_log", change.Name);
        Assert.StartsWith(detail, change.Detail, StringComparison.Ordinal);
    }
}
