using NetDrift.Engine.Sources;

namespace NetDrift.Engine.Tests.Sources;

/// <summary>The upstream list format: one URL per line, an optional name, comments and blank lines ignored, errors by line.</summary>
public sealed class UpstreamListParserTests
{
    /// <summary>A list, then "name=redacted url" per upstream it yields, in order.</summary>
    public static TheoryData<string, string[]> GoodLists() => new()
    {
        { "", [] },
        { "\n\n   \n", [] },
        { "# only a comment\n  # indented comment", [] },
        { "http://10.0.0.1:3128", ["10.0.0.1:3128=http://10.0.0.1:3128"] },
        { "http://10.0.0.1:3128 eu-1", ["eu-1=http://10.0.0.1:3128"] },
        { "http://10.0.0.1:3128\teu-1   # the first one", ["eu-1=http://10.0.0.1:3128"] },
        { "\uFEFFhttp://10.0.0.1:3128\r\nhttp://10.0.0.2:3128\r\n", ["10.0.0.1:3128=http://10.0.0.1:3128", "10.0.0.2:3128=http://10.0.0.2:3128"] },
        { "http://user:p%40ss@proxy.example:8080", ["proxy.example:8080=http://user:***@proxy.example:8080"] },
        { "http://user:pa%23ss@10.0.0.1:1 named#not-a-comment", ["named#not-a-comment=http://user:***@10.0.0.1:1"] },
        { "http://[::1]:3128", ["[::1]:3128=http://[::1]:3128"] },
        { "https://10.0.0.1:443 tls", ["tls=https://10.0.0.1:443"] },
    };

    [Theory]
    [MemberData(nameof(GoodLists))]
    public void Parse_GoodList_YieldsUpstreamsInOrder(string text, string[] expected)
    {
        var list = UpstreamListParser.Parse(text);

        Assert.True(list.IsValid, string.Join("; ", list.Errors));
        Assert.Equal(expected, list.Upstreams.Select(u => $"{u.Name}={u.Url.Redacted}"));
    }

    /// <summary>A list, the line of its first error, and a fragment of the message.</summary>
    public static TheoryData<string, int, string> BadLists() => new()
    {
        { "ftp://10.0.0.1:21", 1, "must start with http://" },
        { "http://10.0.0.1:3128\n\n# fine so far\nnot-a-url", 4, "'not-a-url'" },
        { "http://10.0.0.1:3128 a b", 1, "more than a URL and a name" },
        { "http://10.0.0.1:99999", 1, "invalid host or port" },
        { "http://10.0.0.1:3128/path", 1, "must not have a path" },
        { "http://10.0.0.1:3128\nhttp://10.0.0.1:3128", 2, "a second time (first on line 1)" },
        { "http://10.0.0.1:1 same\nhttp://10.0.0.2:1 SAME", 2, "'SAME' a second time" },
        { "http://10.0.0.1:1 bad\u0007name", 1, "control characters" },
    };

    [Theory]
    [MemberData(nameof(BadLists))]
    public void Parse_BadLine_NamesItsLine(string text, int line, string fragment)
    {
        var list = UpstreamListParser.Parse(text);

        Assert.False(list.IsValid);
        var error = list.Errors[0];
        Assert.Equal(line, error.Line);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"line {line}: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadUrlWithPassword_NeverEchoesThePassword()
    {
        var list = UpstreamListParser.Parse("http://user:TopSecret1@10.0.0.1:99999");

        Assert.DoesNotContain("TopSecret1", Assert.Single(list.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryBadLine_IsReported()
    {
        var list = UpstreamListParser.Parse("bad1\nhttp://10.0.0.1:1\nbad2");

        Assert.Equal([1, 3], list.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Parse_SourceSettings_GoToEveryUpstream()
    {
        var list = UpstreamListParser.Parse("http://10.0.0.1:1\nhttp://10.0.0.2:1 b", tag: "eu", weight: 3, note: "from x");

        Assert.All(list.Upstreams, u =>
        {
            Assert.Equal("eu", u.Tag);
            Assert.Equal(3, u.Weight);
            Assert.Equal("from x", u.Note);
            Assert.True(u.Enabled);
        });
    }

    [Fact]
    public void SameUpstreams_ComparesAddressCredentialsAndSettings()
    {
        var a = UpstreamListParser.Parse("http://u:one@10.0.0.1:1 a");

        Assert.True(a.SameUpstreams(UpstreamListParser.Parse("http://u:one@10.0.0.1:1 a")));
        Assert.False(a.SameUpstreams(UpstreamListParser.Parse("http://u:two@10.0.0.1:1 a")));
        Assert.False(a.SameUpstreams(UpstreamListParser.Parse("http://u:one@10.0.0.1:1 a", weight: 2)));
        Assert.False(a.SameUpstreams(null));
    }
}
