using NetDrift.Engine.Configuration;
using NetDrift.Engine.Routing;

namespace NetDrift.Engine.Tests.Routing;

public sealed class RouteTableTests
{
    private static RouteTable Table(params (string Name, string[] Match)[] routes) =>
        RouteTable.Compile(routes.Select(r => new RouteConfig(r.Name, r.Match)).ToArray());

    [Theory]
    [InlineData("example.de", 443, "exact")]
    [InlineData("EXAMPLE.DE", 80, "exact")]
    [InlineData("example.de.", 443, "exact")]
    [InlineData("www.example.de", 443, null)]
    [InlineData("example.eu", 443, "suffix")]
    [InlineData("a.b.Example.EU", 443, "suffix")]
    [InlineData("badexample.eu", 443, null)]
    [InlineData("10.1.2.3", 443, "v4net")]
    [InlineData("11.1.2.3", 443, null)]
    [InlineData("2001:db8::1", 443, "v6net")]
    [InlineData("[2001:db8:0:0::ff]", 443, "v6net")]
    [InlineData("2001:db9::1", 443, null)]
    [InlineData("::ffff:10.9.9.9", 443, "v4net")]
    [InlineData("mail.example.com", 25, "smtp")]
    [InlineData("192.168.1.1", 25, "smtp")]
    [InlineData("mail.example.com", 587, null)]
    [InlineData("api.example.org", 8443, "port-only")]
    [InlineData("api.example.org", 443, null)]
    public void Match_EachKindOfEntry_FindsItsRouteOrNone(string host, int port, string? expected)
    {
        var table = Table(
            ("exact", ["example.de"]),
            ("suffix", ["*.example.eu"]),
            ("v4net", ["10.0.0.0/8"]),
            ("v6net", ["2001:db8::/32"]),
            ("smtp", ["*:25"]),
            ("port-only", ["api.example.org:8443"]));

        Assert.Equal(expected, table.Match(host, port)?.Name);
    }

    [Fact]
    public void Match_SeveralRoutesFit_FirstWins()
    {
        var table = Table(("first", ["*.example.com"]), ("second", ["api.example.com"]), ("catch-all", ["*"]));

        Assert.Equal("first", table.Match("api.example.com", 443)!.Name);
        Assert.Equal("catch-all", table.Match("other.org", 80)!.Name);
    }

    [Fact]
    public void Match_IpLiteralEntriesWithPorts_MatchOnlyThatPort()
    {
        var table = Table(("v4", ["127.0.0.1:8080"]), ("v6", ["[::1]:8443", "fd00::/8:22"]));

        Assert.Equal("v4", table.Match("127.0.0.1", 8080)?.Name);
        Assert.Null(table.Match("127.0.0.1", 8081));
        Assert.Equal("v6", table.Match("::1", 8443)?.Name);
        Assert.Null(table.Match("::1", 443));
        Assert.Equal("v6", table.Match("fd12::5", 22)?.Name);
    }

    [Theory]
    [InlineData("10.0.0.1/8", "host bits")]
    [InlineData("10.0.0.0/33", "CIDR")]
    [InlineData("300.0.0.0/8", "CIDR")]
    [InlineData("2001:db8::/129", "CIDR")]
    [InlineData("example.com:0", "port")]
    [InlineData("example.com:70000", "port")]
    [InlineData("exa mple.com", "not a host")]
    [InlineData("*.*", "not a host")]
    [InlineData("foo.*.com", "not a host")]
    [InlineData("", "empty")]
    public void TryParse_BadEntry_SaysWhy(string entry, string expected)
    {
        Assert.False(RouteMatcher.TryParse(entry, out _, out var error));
        Assert.Contains(expected, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Match_AfterWarmUp_AllocatesNothing()
    {
        // 200 routes, as in the benchmark: names, suffixes, networks and ports, none of which the probes below hit first.
        var routes = Enumerable.Range(0, 200).Select(i => (i % 4) switch
        {
            0 => new RouteConfig($"r{i}", [$"host{i}.example.net"]),
            1 => new RouteConfig($"r{i}", [$"*.zone{i}.example.org"]),
            2 => new RouteConfig($"r{i}", [$"10.{i}.0.0/16", $"2001:db8:{i:x}::/48"]),
            _ => new RouteConfig($"r{i}", [$"*:{20000 + i}"]),
        }).ToArray();
        var table = RouteTable.Compile(routes);
        string[] hosts = ["www.zone9.example.org", "10.198.3.4", "2001:db8:c6::1", "nomatch.example.com", "HOST100.example.net.", "[::1]"];
        for (var i = 0; i < 1000; i++)
        {
            table.Match(hosts[i % hosts.Length], 443);
        }
        var found = 0;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            found += table.Match(hosts[i % hosts.Length], 443) is null ? 0 : 1;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        // Hosts 0, 1, 2 and 4 match (16,667 + 16,667 + 16,667 + 16,666 times).
        Assert.Equal(66_667, found);
    }
}
