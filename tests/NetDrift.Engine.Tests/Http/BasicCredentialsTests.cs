using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tests.Http;

public sealed class BasicCredentialsTests
{
    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz", "user", "pass")]
    [InlineData("basic dXNlcjpwYXNz", "user", "pass")]
    [InlineData("BASIC dXNlcjpwYXNz", "user", "pass")]
    [InlineData("  Basic   dXNlcjpwYXNz  ", "user", "pass")]
    [InlineData("Basic dXNlcjo=", "user", "")]
    [InlineData("Basic OnBhc3M=", "", "pass")]
    public void TryParse_ValidHeader_SplitsUserAndPassword(string header, string user, string password)
    {
        Assert.True(BasicCredentials.TryParse(header, out var credentials));
        Assert.Equal(user, credentials.UserName);
        Assert.Equal(password, credentials.Password);
    }

    [Fact]
    public void TryParse_PasswordWithColons_SplitsAtFirstColon()
    {
        Assert.True(BasicCredentials.TryParse("Basic " + Encode("user:pa:ss:word"), out var credentials));

        Assert.Equal("user", credentials.UserName);
        Assert.Equal("pa:ss:word", credentials.Password);
    }

    [Fact]
    public void TryParse_Utf8Names_Decoded()
    {
        Assert.True(BasicCredentials.TryParse("Basic " + Encode("Jürgen:пароль✓"), out var credentials));

        Assert.Equal("Jürgen", credentials.UserName);
        Assert.Equal("пароль✓", credentials.Password);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic")]
    [InlineData("Basic ")]
    [InlineData("Bearer dXNlcjpwYXNz")]
    [InlineData("Digest username=\"user\"")]
    [InlineData("BasicdXNlcjpwYXNz")]
    [InlineData("Basic not base64!")]
    [InlineData("Basic dXNlcjpwYXNz=")]
    [InlineData("Basic dXNlcjpwYXN")]
    [InlineData("Basic dXNlcnBhc3M=")] // "userpass": no colon
    public void TryParse_BadHeader_ReturnsFalse(string? header)
    {
        Assert.False(BasicCredentials.TryParse(header, out var credentials));
        Assert.Equal(default, credentials);
    }

    [Theory]
    [InlineData("user", "pass")]
    [InlineData("u1", "p@ss:w")]
    [InlineData("Jürgen", "пароль✓")]
    [InlineData("user", "")]
    public void ToHeaderValue_ParsedBack_RoundTrips(string user, string password)
    {
        var original = new BasicCredentials(user, password);

        var header = original.ToHeaderValue();

        Assert.StartsWith("Basic ", header, StringComparison.Ordinal);
        Assert.Equal("Basic " + Encode($"{user}:{password}"), header);
        Assert.True(BasicCredentials.TryParse(header, out var parsed));
        Assert.Equal(original, parsed);
    }

    [Fact]
    public void FixedTimeEquals_SameCredentials_True()
    {
        Assert.True(new BasicCredentials("user", "pass").FixedTimeEquals(new BasicCredentials("user", "pass")));
    }

    [Theory]
    [InlineData("user", "Pass")]
    [InlineData("User", "pass")]
    [InlineData("user", "pass ")]
    [InlineData("user", "")]
    [InlineData("", "pass")]
    [InlineData("user", "passpasspasspasspasspasspasspasspass")]
    public void FixedTimeEquals_AnyDifference_False(string user, string password)
    {
        Assert.False(new BasicCredentials("user", "pass").FixedTimeEquals(new BasicCredentials(user, password)));
    }

    [Fact]
    public void FixedTimeEquals_UserAndPasswordSwappedAcrossColon_False()
    {
        // "a:b:c" as (a, b:c) must not match (a:b, c).
        Assert.False(new BasicCredentials("a", "b:c").FixedTimeEquals(new BasicCredentials("a:b", "c")));
    }

    [Fact]
    public void ToString_NeverContainsPassword()
    {
        var credentials = new BasicCredentials("alice", "S3cr3t-Pa55");

        Assert.Equal("alice:***", credentials.ToString());
        Assert.DoesNotContain("S3cr3t", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", $"{credentials}", StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", new object[] { credentials }.Select(o => o.ToString()).Single(), StringComparison.Ordinal);
    }
}
