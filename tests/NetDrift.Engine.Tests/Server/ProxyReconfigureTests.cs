using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

public sealed class ProxyReconfigureTests
{
    private static NetDriftConfig Config(IEnumerable<(TestUpstreamProxy Upstream, int Weight)> upstreams, string users = "", string listen = "127.0.0.1:0", int retries = 2)
    {
        var list = string.Join(",", upstreams.Select(u => $$"""{ "url": "{{u.Upstream.Url}}", "weight": {{u.Weight}} }"""));
        var auth = users.Length == 0 ? "" : $$"""
            "authentication": { "enabled": true, "users": [ {{users}} ] },
            """;
        return ConfigLoader.Parse($$"""
            {
              "server": { "name": "reload", "listen_address": "{{listen}}" },
              {{auth}}
              "retries": {{retries}},
              "upstream_proxies": [ {{list}} ],
              "logging": { "level": "Warning" }
            }
            """);
    }

    [Fact]
    public async Task ApplyConfig_TwentyRewritesDuring100StreamingTunnels_EveryTunnelKeepsItsBytes()
    {
        await using var echo = TcpTargetServer.StartEcho();
        var upstreams = Enumerable.Range(0, 4).Select(_ => TestUpstreamProxy.Start()).ToArray();
        try
        {
            await using var proxy = ProxyServer.Start("reload", Config([(upstreams[0], 1), (upstreams[1], 1)]));
            const int Tunnels = 100;
            const int Chunks = 20;
            var opened = new SemaphoreSlim(0);
            var tunnels = Enumerable.Range(0, Tunnels).Select(i => Task.Run(async () =>
            {
                using var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority);
                Assert.Equal(200, answer.Status);
                opened.Release();
                var random = new Random(i);
                for (var chunk = 0; chunk < Chunks; chunk++)
                {
                    var sent = new byte[1024 + random.Next(4096)];
                    random.NextBytes(sent);
                    await Loopback.SendAllAsync(answer.Socket, sent);
                    var back = await Loopback.ReadExactlyAsync(answer.Socket, sent.Length);
                    Assert.Equal(sent, back);
                    await Task.Delay(random.Next(10, 60));
                }
                return true;
            })).ToArray();

            for (var i = 0; i < Tunnels; i++)
            {
                Assert.True(await opened.WaitAsync(TimeSpan.FromSeconds(30)), "every tunnel opens before the rewrites start");
            }

            // Rewrite the config 20 times while the tunnels stream: pools grow, shrink, re-weight,
            // users come and go (already-open tunnels were authenticated before and stay).
            for (var rewrite = 0; rewrite < 20; rewrite++)
            {
                var pool = upstreams.Where((_, index) => (rewrite + index) % 3 != 0).Select((u, index) => (u, 1 + (rewrite + index) % 3)).ToArray();
                proxy.ApplyConfig(Config(pool, rewrite % 2 == 0 ? "" : """{ "username": "u", "password": "p" }"""));
                await Task.Delay(40);
            }
            proxy.ApplyConfig(Config(upstreams.Select(u => (u, 1))));

            var results = await Task.WhenAll(tunnels).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(results, Assert.True);
            Assert.Equal(Tunnels, proxy.Pool.All.Sum(u => u.Counters.Succeeded));
            Assert.Equal(0, proxy.Pool.All.Sum(u => u.Counters.Failed));
        }
        finally
        {
            foreach (var upstream in upstreams)
            {
                await upstream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ApplyConfig_RemovedUpstreamWithOpenTunnel_DrainsThenDisappears()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var first = TestUpstreamProxy.Start();
        await using var second = TestUpstreamProxy.Start();
        await using var proxy = ProxyServer.Start("reload", Config([(first, 1)]));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority);
        Assert.Equal(200, tunnel.Status);

        var changes = proxy.ApplyConfig(Config([(second, 1)]));

        Assert.Contains(changes, c => c is { Kind: ConfigChangeKind.Removed, Scope: ConfigChangeScope.Upstream } && c.Name == first.Name);
        Assert.Contains(changes, c => c is { Kind: ConfigChangeKind.Added, Scope: ConfigChangeScope.Upstream } && c.Name == second.Name);
        Assert.Equal(UpstreamState.Draining, proxy.Pool.Find(first.Name)!.State);
        // The old tunnel still carries bytes; new tunnels go to the new upstream.
        await Loopback.SendAllAsync(tunnel.Socket, "still here"u8.ToArray());
        Assert.Equal("still here"u8.ToArray(), await Loopback.ReadExactlyAsync(tunnel.Socket, 10));
        using (var fresh = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(200, fresh.Status);
        }
        Assert.Equal(1, proxy.Pool.Find(second.Name)!.Counters.Succeeded);

        tunnel.Socket.Shutdown(SocketShutdown.Both);
        tunnel.Dispose();
        await WaitUntil(() => proxy.Pool.Find(first.Name) is null);
    }

    [Fact]
    public async Task ApplyConfig_NewListenAddress_RebindsAndKeepsTunnelsOnTheOldOne()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = ProxyServer.Start("reload", Config([(upstream, 1)]));
        var oldPort = proxy.Port;
        using var tunnel = await ProxyClient.ConnectAsync(oldPort, echo.Authority);

        var changes = proxy.ApplyConfig(Config([(upstream, 1)], listen: "127.0.0.1:0"));
        Assert.Empty(changes); // "127.0.0.1:0" both times: same config text, nothing to rebind

        var freePort = Loopback.ClosedPort();
        changes = proxy.ApplyConfig(Config([(upstream, 1)], listen: $"127.0.0.1:{freePort}"));

        Assert.Contains(changes, c => c.Name == "server.listen_address");
        Assert.Equal(freePort, proxy.Port);
        using (var fresh = await ProxyClient.ConnectAsync(freePort, echo.Authority))
        {
            Assert.Equal(200, fresh.Status);
        }
        await Assert.ThrowsAnyAsync<SocketException>(() => Loopback.ConnectAsync(oldPort));
        await Loopback.SendAllAsync(tunnel.Socket, "old"u8.ToArray());
        Assert.Equal("old"u8.ToArray(), await Loopback.ReadExactlyAsync(tunnel.Socket, 3));
    }

    [Fact]
    public async Task ApplyConfig_UsersAndRetriesChange_TakeEffectForNewRequests()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = ProxyServer.Start("reload", Config([(upstream, 1)]));
        using (var open = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(200, open.Status);
        }

        var changes = proxy.ApplyConfig(Config([(upstream, 1)], users: """{ "username": "alice", "password": "s3cret" }""", retries: 0));

        Assert.Contains(changes, c => c is { Kind: ConfigChangeKind.Added, Scope: ConfigChangeScope.User, Name: "alice" });
        Assert.Contains(changes, c => c.Name == "retries" && c.Detail == "2 -> 0");
        Assert.DoesNotContain(changes, c => c.Detail.Contains("s3cret", StringComparison.Ordinal));
        using (var refused = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(407, refused.Status);
        }
        using (var allowed = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority, ProxyClient.Basic("alice", "s3cret")))
        {
            Assert.Equal(200, allowed.Status);
        }
        Assert.Equal(0, proxy.Config.Retries);
        Assert.NotNull(proxy.LastReloadAt);
    }

    [Fact]
    public async Task ReloadAsync_InvalidFile_KeepsRunningConfigAndRecordsTheError()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var path = Path.Combine(Path.GetTempPath(), $"netdrift-reload-{Guid.NewGuid():N}.json");
        var good = TestProxies.Json(TestProxies.Upstream(upstream.Url));
        await File.WriteAllTextAsync(path, good);
        try
        {
            await using var proxy = ProxyServer.Start("reload", ConfigLoader.LoadFile(path), path);
            foreach (var bad in new[]
            {
                good.Replace("\"weight\": 1", "\"weight\": \"heavy\"", StringComparison.Ordinal),
                good.Replace("\"weight\": 1", "\"wieght\": 1", StringComparison.Ordinal),
                good[..^5],
            })
            {
                await File.WriteAllTextAsync(path, bad);
                var error = await Assert.ThrowsAsync<ConfigException>(() => proxy.ReloadAsync());
                Assert.NotNull(error.Errors[0].Line);
                Assert.Equal(error.Message, proxy.LastReloadError);
                Assert.Single(proxy.Pool.All);
                Assert.Equal(1, proxy.Pool.All[0].Config.Weight);
            }
            await File.WriteAllTextAsync(path, good.Replace("\"weight\": 1", "\"weight\": 5", StringComparison.Ordinal));
            var changes = await proxy.ReloadAsync();
            Assert.Single(changes);
            Assert.Null(proxy.LastReloadError);
            Assert.Equal(5, proxy.Pool.All[0].Config.Weight);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReloadAsync_StartedWithOverrides_KeepsApplyingThemOverTheFile()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var other = TestUpstreamProxy.Start();
        var path = Path.Combine(Path.GetTempPath(), $"netdrift-reload-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, TestProxies.Json(TestProxies.Upstream(upstream.Url), """ "retries": 3, """));
        try
        {
            var overrides = new ConfigOverrides { Retries = 0, UpstreamUrls = [other.Url] };
            var loaded = await ConfigSource.LoadAsync(path, overrides);
            await using var proxy = ProxyServer.Start("reload", loaded.GetConfigOrThrow(), path, overrides: overrides);
            Assert.Same(overrides, proxy.Overrides);

            await File.WriteAllTextAsync(path, TestProxies.Json(TestProxies.Upstream(upstream.Url, weight: 5), """ "retries": 4, "upstream_timeout": 9, """));
            await proxy.ReloadAsync();

            Assert.Equal(0, proxy.Config.Retries);
            Assert.Equal(TimeSpan.FromSeconds(9), proxy.Config.UpstreamTimeout);
            Assert.Equal($"127.0.0.1:{other.Port}", Assert.Single(proxy.Pool.All).Config.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReloadAsync_UnresolvableHost_NamesTheFieldAndKeepsRunningConfig()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var path = Path.Combine(Path.GetTempPath(), $"netdrift-reload-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, TestProxies.Json(TestProxies.Upstream(upstream.Url)));
        try
        {
            await using var proxy = ProxyServer.Start("reload", ConfigLoader.LoadFile(path), path);
            await File.WriteAllTextAsync(path, TestProxies.Json(TestProxies.Upstream(upstream.Url) + "," + TestProxies.Upstream("http://netdrift-placeholder.invalid:3128")));

            var error = await Assert.ThrowsAsync<ConfigException>(() => proxy.ReloadAsync());

            Assert.Equal("upstream_proxies[1].url", Assert.Single(error.Errors).Path);
            Assert.Equal(error.Message, proxy.LastReloadError);
            Assert.Single(proxy.Pool.All);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task WatchConfig_EditAndRenameSave_AppliedWithinTwoSeconds()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var other = TestUpstreamProxy.Start();
        var folder = Directory.CreateTempSubdirectory("netdrift-watch-").FullName;
        var path = Path.Combine(folder, "cfg.json");
        await File.WriteAllTextAsync(path, TestProxies.Json(TestProxies.Upstream(upstream.Url)));
        try
        {
            await using var proxy = ProxyServer.Start("watch", ConfigLoader.LoadFile(path), path);
            proxy.WatchConfig();

            // An in-place write.
            await File.WriteAllTextAsync(path, TestProxies.Json(TestProxies.Upstream(upstream.Url, weight: 4)));
            await WaitUntil(() => proxy.Pool.All[0].Config.Weight == 4, TimeSpan.FromSeconds(2));

            // An editor's save: write a temp file, rename it over the config.
            var temp = Path.Combine(folder, ".cfg.json.swp");
            await File.WriteAllTextAsync(temp, TestProxies.Json(TestProxies.Upstream(upstream.Url) + "," + TestProxies.Upstream(other.Url)));
            File.Move(temp, path, overwrite: true);
            await WaitUntil(() => proxy.Pool.All.Count == 2, TimeSpan.FromSeconds(2));

            // A broken save changes nothing and is reported.
            await File.WriteAllTextAsync(path, "{ \"upstream_proxies\": [ ");
            await WaitUntil(() => proxy.LastReloadError is not null, TimeSpan.FromSeconds(2));
            Assert.Equal(2, proxy.Pool.All.Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("condition not met in time");
            }
            await Task.Delay(20);
        }
    }
}
