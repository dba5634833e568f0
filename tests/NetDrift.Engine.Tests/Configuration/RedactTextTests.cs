using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

/// <summary>
/// Error records name the URL the user typed, through <see cref="UpstreamAddress.RedactText"/>:
/// no password may survive it, whichever characters it holds.
/// </summary>
public sealed class RedactTextTests
{
    /// <summary>
    /// Every character class RFC 3986 allows in userinfo (unreserved, sub-delims, ':',
    /// percent-encoded octets), plus what people type anyway: '/', '?', '#', '@', brackets,
    /// whitespace, non-ASCII.
    /// </summary>
    public static TheoryData<string> Passwords => new()
    {
        "plainPw42",
        "Aa0-._~Zz",
        "s!$&'()*+,;=x",
        "with:colons:in",
        "pct%40%2F%3A%20%25enc",
        "slash/in/it",
        "q?uery",
        "hash#frag",
        "at@in@it",
        "sp ace and\ttab",
        "[brack]ets",
        "ünïcödé€",
        "back\\slash\"quote",
        "trailing:",
        "://nested",
        "a b/c?d#e@f",
    };

    [Theory]
    [MemberData(nameof(Passwords))]
    public void RedactText_AnyPassword_ReplacedByStars(string password)
    {
        var typed = $"http://alice:{password}@proxy.example.com:3128";

        var redacted = UpstreamAddress.RedactText(typed);

        Assert.Equal("http://alice:***@proxy.example.com:3128", redacted);
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public void RedactText_PasswordInsideLongerText_NotShown(string password)
    {
        var typed = $"407 from https://alice:{password}@127.0.0.1:9 after 2 tries";

        var redacted = UpstreamAddress.RedactText(typed);

        Assert.DoesNotContain(password, redacted, StringComparison.Ordinal);
        Assert.StartsWith("407 from https://alice:***@127.0.0.1:9", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public void ParsedOrRefused_AnyPassword_NeverEchoed(string password)
    {
        var typed = $"http://alice:{password}@proxy.example.com:3128";

        if (UpstreamAddress.TryParse(typed, out var address, out var error))
        {
            Assert.Equal("http://alice:***@proxy.example.com:3128", address!.Redacted);
        }
        else
        {
            Assert.DoesNotContain(password, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:3128")]
    [InlineData("http://token@127.0.0.1:3128")]
    [InlineData("not a url at all: mail me@example.com")]
    public void RedactText_NoPassword_Unchanged(string text) =>
        Assert.Equal(text, UpstreamAddress.RedactText(text));
}
