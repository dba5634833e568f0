using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Sources;

/// <summary>A file source edited while the proxy runs: added lines join, removed ones drain, a bad edit keeps the last good list.</summary>
public sealed class FileSourceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string[] Names(ProxyServer proxy, UpstreamState? state = null) =>
        [.. proxy.Pool.All.Where(u => state is null || u.State == state).Select(u => u.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Refresh_LineAdded_JoinsOnTheTimer_AndTheUnchangedOneKeepsItsState()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("proxies.txt", "# pool b\nhttp://10.0.0.1:3128 first\n");
        var clock = new FakeTimeProvider(Start);
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{list}}", "refresh_seconds": 30, "tag": "b", "weight": 2 }"""),
            timeProvider: clock);
        var first = Assert.Single(proxy.Pool.All);
        Assert.Equal(("first", "b", 2), (first.Name, first.Config.Tag, first.Config.Weight));
        first.Counters.AttemptStarted();
        first.Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(3));

        File.WriteAllText(list, "http://10.0.0.1:3128 first\nhttp://10.0.0.2:3128\n");
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Single(proxy.Pool.All);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All.Count == 2), "the added line joins at the refresh");
        Assert.Equal(["10.0.0.2:3128", "first"], Names(proxy, UpstreamState.Active));
        Assert.Same(first, proxy.Pool.Find("first"));
        Assert.Equal(1, first.Counters.Succeeded);
        Assert.Empty(proxy.SourceErrors);
    }

    [Fact]
    public async Task Refresh_LineRemoved_DrainsUntilItsTunnelCloses()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var kept = TestUpstreamProxy.Start();
        await using var removed = TestUpstreamProxy.Start();
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("proxies.txt", $"{removed.Url} leaving\n");
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{list}}", "refresh_seconds": 3600 }"""));
        using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port);

        File.WriteAllText(list, $"{kept.Url} staying\n");
        var changes = await proxy.RefreshSourcesAsync();

        Assert.Equal(["Added staying", "Removed leaving"], changes.Select(c => $"{c.Kind} {c.Name}").Order(StringComparer.Ordinal));
        Assert.Equal(UpstreamState.Draining, proxy.Pool.Find("leaving")!.State);
        await ProxyClient.AssertEchoesAsync(tunnel, "still flowing");
        using (var next = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port))
        {
            await ProxyClient.AssertEchoesAsync(next, "new tunnel");
        }
        Assert.Equal(1, removed.Accepted);

        tunnel.Dispose();
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.Find("leaving") is null), "the drained upstream leaves with its last tunnel");
        Assert.Equal(["staying"], Names(proxy));
    }

    [Fact]
    public async Task Refresh_BadLine_ShowsSourceErrorWithLine_KeepsTheLastGoodList_ClearsOnFix()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("proxies.txt", "http://10.0.0.1:3128\n");
        var clock = new FakeTimeProvider(Start);
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{list}}", "refresh_seconds": 3600 }"""), timeProvider: clock);

        File.WriteAllText(list, "http://10.0.0.2:3128\nhttp://10.0.0.3:notaport\n");
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await proxy.RefreshSourcesAsync());

        var error = Assert.Single(proxy.SourceErrors);
        Assert.Equal((list, 2, Start.AddMinutes(5)), (error.Source, error.Line, error.At));
        Assert.Contains("line 2:", error.Error, StringComparison.Ordinal);
        Assert.Equal(["10.0.0.1:3128"], Names(proxy));

        File.WriteAllText(list, "http://10.0.0.2:3128\n");
        await proxy.RefreshSourcesAsync();

        Assert.Empty(proxy.SourceErrors);
        Assert.Equal(["10.0.0.2:3128"], Names(proxy, UpstreamState.Active));
    }

    [Fact]
    public async Task Start_MissingFile_StartsWithTheConfiguredUpstreams_AndASourceError_ThenLoadsWhenItAppears()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = Path.Combine(folder.Path, "later.txt");
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{list}}" }""", """{ "url": "http://10.0.0.9:3128" }"""));

        Assert.Equal(["10.0.0.9:3128"], Names(proxy));
        var error = Assert.Single(proxy.SourceErrors);
        Assert.Equal(list, error.Source);
        Assert.Contains("cannot be read", error.Error, StringComparison.Ordinal);

        File.WriteAllText(list, "http://10.0.0.1:3128\n");
        await proxy.RefreshSourcesAsync();

        Assert.Equal(["10.0.0.1:3128", "10.0.0.9:3128"], Names(proxy));
        Assert.Empty(proxy.SourceErrors);
    }

    [Fact]
    public async Task Start_NameOfAConfiguredUpstream_TheConfiguredOneWins()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("proxies.txt", "http://10.0.0.1:3128\nhttp://10.0.0.5:3128 main\n");
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{list}}" }""",
            """{ "url": "http://10.0.0.1:3128", "weight": 5 }, { "url": "http://10.0.0.2:3128", "name": "main" }"""));

        Assert.Equal(["10.0.0.1:3128", "main"], Names(proxy));
        Assert.Equal(5, proxy.Pool.Find("10.0.0.1:3128")!.Config.Weight);
        Assert.Equal("10.0.0.2", proxy.Pool.Find("main")!.Config.Url.Host);
        Assert.Empty(proxy.SourceErrors);
    }

    [Fact]
    public async Task Refresh_KeepsAnUpstreamAddedByHand()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("proxies.txt", "http://10.0.0.1:3128\n");
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{list}}" }"""));
        proxy.AddUpstream(NetDrift.Engine.Configuration.ConfigLoader.ParseUpstream("http://10.0.0.7:3128", "-Url"));

        File.WriteAllText(list, "http://10.0.0.2:3128\n");
        await proxy.RefreshSourcesAsync();

        Assert.Equal(["10.0.0.2:3128", "10.0.0.7:3128"], Names(proxy, UpstreamState.Active));
    }

    [Fact]
    public async Task Reload_ReReadsTheSources_RelativeToTheConfigFile()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("proxies.txt", "http://10.0.0.1:3128\n");
        var configPath = folder.File("proxy.json", SourceTestConfig.Json("""{ "path": "proxies.txt", "refresh_seconds": 3600 }"""));
        await using var proxy = ProxyServer.Start("sources", NetDrift.Engine.Configuration.ConfigLoader.LoadFile(configPath), configPath);
        Assert.Equal(["10.0.0.1:3128"], Names(proxy));

        File.WriteAllText(list, "http://10.0.0.1:3128\nhttp://10.0.0.2:3128\n");
        var changes = await proxy.ReloadAsync(cancellationToken: CancellationToken.None);

        Assert.Equal("Added 10.0.0.2:3128", Assert.Single(changes, c => c.Scope == NetDrift.Engine.Configuration.ConfigChangeScope.Upstream).Kind + " " + changes[0].Name);
        Assert.Equal(["10.0.0.1:3128", "10.0.0.2:3128"], Names(proxy));
    }

    [Fact]
    public async Task ApplyConfig_SourceDropped_ItsUpstreamsDrain_AndANewSourceIsRead()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var a = folder.File("a.txt", "http://10.0.0.1:3128\n");
        var b = folder.File("b.txt", "http://10.0.0.2:3128\n");
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "path": "{{a}}" }"""));

        proxy.ApplyConfig(SourceTestConfig.Parse($$"""{ "path": "{{b}}", "tag": "x" }"""));
        await proxy.RefreshSourcesAsync();

        Assert.Equal(["10.0.0.2:3128"], Names(proxy));
        Assert.Equal("x", proxy.Pool.Find("10.0.0.2:3128")!.Config.Tag);
    }
}
