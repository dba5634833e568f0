using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Sources;

/// <summary>A list served over HTTP: refreshed on the timer, edited under load without losing a request, kept when the server fails.</summary>
public sealed class HttpSourceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string[] Active(ProxyServer proxy) =>
        [.. proxy.Pool.All.Where(u => u.State == UpstreamState.Active).Select(u => u.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Refresh_ListEditedTwiceUnderLoad_LosesNoTunnel()
    {
        await using var echo = TcpTargetServer.StartEcho();
        var upstreams = Enumerable.Range(0, 3).Select(_ => TestUpstreamProxy.Start()).ToArray();
        await using var list = new UpstreamListServer { Body = $"{upstreams[0].Url} u0\n{upstreams[1].Url} u1\n" };
        var clock = new FakeTimeProvider(Start);
        try
        {
            await using var proxy = ProxyServer.Start("sources",
                SourceTestConfig.Parse($$"""{ "url": "{{list.Url}}", "refresh_seconds": 10 }""", extra: "\"retries\": 0,"), timeProvider: clock);
            Assert.Equal(["u0", "u1"], Active(proxy));

            // Four clients, each a bounded run of tunnels that each echo a line, while the list changes twice.
            const int Clients = 4;
            const int TunnelsEach = 60;
            var done = 0;
            var load = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                for (var i = 0; i < TunnelsEach; i++)
                {
                    using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port);
                    await ProxyClient.AssertEchoesAsync(tunnel, $"client {client} tunnel {i}\n");
                    Interlocked.Increment(ref done);
                }
            })).ToArray();

            Assert.True(await Loopback.WaitUntilAsync(() => Volatile.Read(ref done) >= 40, TimeSpan.FromSeconds(30)), "load is running");
            list.Body = $"{upstreams[1].Url} u1\n{upstreams[2].Url} u2\n";
            clock.Advance(TimeSpan.FromSeconds(10));
            Assert.True(await Loopback.WaitUntilAsync(() => Active(proxy).SequenceEqual(["u1", "u2"]), TimeSpan.FromSeconds(10)), "first edit applied");

            var afterFirst = Volatile.Read(ref done);
            Assert.True(await Loopback.WaitUntilAsync(() => Volatile.Read(ref done) >= afterFirst + 40, TimeSpan.FromSeconds(30)), "load keeps running");
            list.Body = $"{upstreams[2].Url} u2\n";
            clock.Advance(TimeSpan.FromSeconds(10));
            Assert.True(await Loopback.WaitUntilAsync(() => Active(proxy).SequenceEqual(["u2"]), TimeSpan.FromSeconds(10)), "second edit applied");

            await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(Clients * TunnelsEach, done);
            Assert.True(upstreams[2].Accepted > 0, "the added upstream took traffic");
            Assert.All(proxy.Pool.All, u => Assert.Equal(0, u.Counters.Failed));
            Assert.Equal(Clients * TunnelsEach, upstreams.Sum(u => u.Accepted));
            Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All.Count == 1), "the removed ones drained away");
            Assert.Empty(proxy.SourceErrors);
            Assert.True(list.Requests >= 3);
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
    public async Task Refresh_ServerFails_KeepsTheLastGoodList_AndShowsTheErrorUntilItRecovers()
    {
        await using var list = new UpstreamListServer { Body = "http://10.0.0.1:3128\n" };
        var clock = new FakeTimeProvider(Start);
        var url = list.Url.Replace("http://", "http://reader:ListPass1@", StringComparison.Ordinal) + "?key=ListKey2";
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "url": "{{url}}" }"""), timeProvider: clock);

        list.Status = 503;
        list.Body = "";
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await proxy.RefreshSourcesAsync());

        var error = Assert.Single(proxy.SourceErrors);
        Assert.Equal("503", error.Error.Split(' ')[1]);
        Assert.Equal(Start.AddSeconds(1), error.At);
        Assert.DoesNotContain("ListPass1", error.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("ListKey2", error.Source, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Source, StringComparison.Ordinal);
        Assert.Equal(["10.0.0.1:3128"], Active(proxy));

        list.Status = 200;
        list.Body = "http://10.0.0.2:3128\n";
        await proxy.RefreshSourcesAsync();

        Assert.Empty(proxy.SourceErrors);
        Assert.Equal(["10.0.0.2:3128"], Active(proxy));
        // The URL's credentials went as Basic auth (HttpClient drops a URL's user part on its own).
        Assert.Contains("Authorization: " + ProxyClient.Basic("reader", "ListPass1"), list.LastHead, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("?key=ListKey2", list.LastHead, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Unreachable_StartsEmpty_WithASourceError()
    {
        var url = $"http://127.0.0.1:{Loopback.ClosedPort()}/list.txt";
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "url": "{{url}}" }"""));

        Assert.Empty(proxy.Pool.All);
        var error = Assert.Single(proxy.SourceErrors);
        Assert.Equal(url, error.Source);
        Assert.Contains("cannot be fetched", error.Error, StringComparison.Ordinal);
        Assert.Equal(503, (await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9")).Status);
    }

    [Fact]
    public async Task Refresh_ListOverTheSizeCap_IsRefused()
    {
        await using var list = new UpstreamListServer { Body = "http://10.0.0.1:3128\n" };
        await using var proxy = ProxyServer.Start("sources", SourceTestConfig.Parse($$"""{ "url": "{{list.Url}}" }"""));

        list.Body = "# padding\n" + new string('#', EngineDefaults.MaxSourceBytes);
        await proxy.RefreshSourcesAsync();

        Assert.Single(proxy.SourceErrors);
        Assert.Equal(["10.0.0.1:3128"], Active(proxy));
    }
}
