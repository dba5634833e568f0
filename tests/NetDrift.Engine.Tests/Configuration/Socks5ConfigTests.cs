using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Configuration;

/// <summary><c>server.socks5</c>: on by default, read from the file, and a change is reported by a reload.</summary>
public sealed class Socks5ConfigTests
{
    private static NetDriftConfig Load(string serverExtra) => ConfigLoader.Parse(
        TestProxies.Json(TestProxies.Upstream("socks5://127.0.0.1:1080")).Replace("\"127.0.0.1:0\"", "\"127.0.0.1:0\"" + serverExtra, StringComparison.Ordinal));

    [Fact]
    public void Socks5_Default_On() => Assert.True(Load("").Server.Socks5);

    [Fact]
    public void Socks5_False_Off() => Assert.False(Load(", \"socks5\": false").Server.Socks5);

    [Fact]
    public void Socks5_NotABoolean_ErrorNamesTheField()
    {
        var error = Assert.Throws<ConfigException>(() => Load(", \"socks5\": \"yes\""));
        Assert.Contains("server.socks5", error.Message);
    }

    [Fact]
    public void Diff_Socks5Turned_Off_IsOneSettingChange()
    {
        var change = Assert.Single(ConfigDiff.Compute(Load(""), Load(", \"socks5\": false")));
        Assert.Equal("server.socks5", change.Name);
    }
}
