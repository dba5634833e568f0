using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Sessions;

namespace NetDrift.Engine.Tests.Sessions;

public sealed class SessionLoginTests
{
    private static readonly SessionsConfig On = new() { Enabled = true };
    private static readonly UserConfig[] Users = [new("alice", "pw"), new("team-session-a", "pw2")];

    private static (string? User, string? Session) Split(string name, SessionsConfig? config = null)
    {
        var (header, session) = SessionLogin.Split(config ?? On, Users, new BasicCredentials(name, "secret").ToHeaderValue());
        Assert.True(BasicCredentials.TryParse(header, out var login));
        Assert.Equal("secret", login.Password);
        // A SOCKS5 username (RFC 1929, no header) splits the same way.
        Assert.Equal((login.UserName, session), SessionLogin.SplitName(config ?? On, Users, name));
        return (login.UserName, session);
    }

    [Fact]
    public void Split_UsernameWithSuffix_LogsInAsTheUserWithTheSession() =>
        Assert.Equal(("alice", "abc1"), Split("alice-session-abc1"));

    [Fact]
    public void Split_SeparatorTwice_SplitsAtTheLastOne() =>
        Assert.Equal(("team-session-a", "x"), Split("team-session-a-session-x"));

    [Fact]
    public void Split_NameOfAConfiguredUser_IsNotSplit() =>
        Assert.Equal(("team-session-a", null), Split("team-session-a"));

    [Fact]
    public void Split_SessionsDisabled_NameUnchanged() =>
        Assert.Equal(("alice-session-abc1", null), Split("alice-session-abc1", new SessionsConfig { Enabled = false }));

    [Theory]
    [InlineData("alice-session-")]
    [InlineData("-session-abc1")]
    [InlineData("alice")]
    public void Split_NoUserOrNoSession_NameUnchanged(string name) => Assert.Equal((name, null), Split(name));

    [Fact]
    public void Split_OtherSeparator_IsUsed() =>
        Assert.Equal(("alice", "7"), Split("alice_s_7", new SessionsConfig { Enabled = true, Separator = "_s_" }));

    [Fact]
    public void Split_SessionIdTooLong_IsNoSession()
    {
        var name = "alice-session-" + new string('x', SessionLogin.MaxSessionIdLength + 1);
        Assert.Equal((name, null), Split(name));
    }

    [Fact]
    public void Split_NotBasic_HeaderUnchanged() =>
        Assert.Equal(("Bearer abc", (string?)null), SessionLogin.Split(On, Users, "Bearer abc"));

    [Theory]
    [InlineData(" abc1 ", "abc1")]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData(null, null)]
    public void FromHeader_TrimmedValueOrNull(string? value, string? expected) => Assert.Equal(expected, SessionLogin.FromHeader(value));
}
