using NetDrift.Engine.Admin;
using NetDrift.Engine.Connections;

namespace NetDrift.Engine.Tests.Admin;

/// <summary>The stats page's open-connections table: every row, and what clients chose escaped.</summary>
public sealed class ConnectionRowsTests
{
    [Fact]
    public void Render_ClientChosenFields_AreHtmlEscaped()
    {
        var hostile = new ConnectionSnapshot(7, "192.0.2.1:5000", "<script>alert(1)</script>", ConnectionProtocol.Http, ConnectionKind.Request,
            "http://a.test/?q=<b>&x=\"y\"", "up-<1>", DateTimeOffset.UtcNow.AddSeconds(-90), 1234, 5678, TimeSpan.FromSeconds(3));
        var quiet = hostile with { Id = 8, User = null, Target = null, Upstream = null };

        var html = ConnectionRows.Render([hostile, quiet]);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("http://a.test/?q=&lt;b&gt;&amp;x=&quot;y&quot;", html, StringComparison.Ordinal);
        Assert.Contains("<td>up-&lt;1&gt;</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>7</td><td>192.0.2.1:5000</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>1234</td><td>5678</td>", html, StringComparison.Ordinal);
        Assert.Matches("<td>(89|90|91)</td>", html);
        Assert.Equal(2, html.Split("<tr>").Length - 1);
    }
}
