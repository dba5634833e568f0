using System.Text;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

public sealed class SessionsConfigTests
{
    private static string With(string sessions) => $$"""{ "sessions": {{sessions}}, "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ] }""";

    [Fact]
    public void Parse_NoSessions_DisabledWithDefaults()
    {
        var sessions = ConfigLoader.Parse(With("{}")).Sessions;

        Assert.Equal(new SessionsConfig(), sessions);
        Assert.Equal((false, "-session-", TimeSpan.FromSeconds(600), 100_000), (sessions.Enabled, sessions.Separator, sessions.Ttl, sessions.MaxSessions));
    }

    [Fact]
    public void Parse_EveryField_Read()
    {
        var sessions = ConfigLoader.Parse(With("""{ "enabled": true, "separator": "_s_", "ttl_seconds": 30.5, "max_sessions": 7 }""")).Sessions;

        Assert.Equal((true, "_s_", TimeSpan.FromSeconds(30.5), 7), (sessions.Enabled, sessions.Separator, sessions.Ttl, sessions.MaxSessions));
    }

    [Theory]
    [InlineData("""{ "separator": "" }""", "sessions.separator")]
    [InlineData("""{ "separator": "a:b" }""", "sessions.separator")]
    [InlineData("""{ "separator": "a b" }""", "sessions.separator")]
    [InlineData("""{ "ttl_seconds": 0 }""", "sessions.ttl_seconds")]
    [InlineData("""{ "max_sessions": 0 }""", "sessions.max_sessions")]
    [InlineData("""{ "enabled": "yes" }""", "sessions.enabled")]
    [InlineData("""{ "ttl": 5 }""", "sessions.ttl")]
    public void Validate_BadField_ErrorNamesIt(string sessions, string path)
    {
        var errors = ConfigLoader.Validate(Encoding.UTF8.GetBytes(With(sessions)), out var config);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Equal(1, error.Line);
    }
}
