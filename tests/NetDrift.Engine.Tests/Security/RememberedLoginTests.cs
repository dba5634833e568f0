using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Security;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Security;

/// <summary>
/// A login that passed is not derived again: not on the same keep-alive connection, not after a
/// reload that left the user's password alone; a changed password is never served from memory.
/// </summary>
public sealed class RememberedLoginTests
{
    private static readonly string AliceHash = PasswordHash.Create("Alice-Pw1", iterations: 20_000);

    private static string Config(string upstreamUrl, string hash, int weight = 1) => TestProxies.Json(
        TestProxies.Upstream(upstreamUrl, weight),
        $$"""
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "{{hash}}" } ] },
        """);

    private static string Get(string password, bool close) =>
        "GET http://origin.netdrift.test/len/5 HTTP/1.1\r\nHost: origin.netdrift.test\r\n" +
        $"Proxy-Authorization: {ProxyClient.Basic("alice", password)}\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";

    [Fact(Timeout = 15_000)]
    public async Task KeepAlive_TwoRequestsWithTheRightLogin_OneDerivation()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(Config(upstream.Url, AliceHash)));
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        var reader = new WireReader(socket);

        var statuses = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(Get("Alice-Pw1", close: false)));
            statuses.Add(ProxyClient.StatusOf((await reader.ReadHeadAsync())!));
            await reader.ReadExactAsync(5);
        }

        Assert.Equal([200, 200], statuses);
        Assert.Equal(1, proxy.Counters.TotalConnections);
        Assert.Equal(1, proxy.Settings.Authenticator.HashChecks);
    }

    [Fact(Timeout = 15_000)]
    public async Task Reload_PasswordUnchanged_RememberedLoginNeedsNoDerivation()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(Config(upstream.Url, AliceHash)));
        var before = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw1", close: true));

        proxy.ApplyConfig(ConfigLoader.Parse(Config(upstream.Url, AliceHash, weight: 3)));
        var after = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw1", close: true));

        Assert.Equal(200, ProxyClient.StatusOf(before));
        Assert.Equal(200, ProxyClient.StatusOf(after));
        Assert.Equal(0, proxy.Settings.Authenticator.HashChecks);
    }

    [Fact(Timeout = 15_000)]
    public async Task Reload_PasswordChanged_OldPasswordRefusedNewOneAccepted()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(Config(upstream.Url, AliceHash)));
        var remembered = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw1", close: true));

        proxy.ApplyConfig(ConfigLoader.Parse(Config(upstream.Url, PasswordHash.Create("Alice-Pw2", iterations: 20_000))));
        var old = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw1", close: true));
        var changed = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw2", close: true));

        Assert.Equal(200, ProxyClient.StatusOf(remembered));
        Assert.Equal(407, ProxyClient.StatusOf(old));
        Assert.Equal(200, ProxyClient.StatusOf(changed));
        Assert.Equal(1, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 20_000)]
    public async Task RememberedLogin_WhileItsAddressGuesses_IsNotHeldUp()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(Config(upstream.Url, AliceHash)));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw1", close: true))));

        // Five guesses take turns: 50 + 100 + 200 + 400 + 800 ms of delays, 1.55 s at least.
        var guesses = Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            ProxyClient.SendAndReadAllAsync(proxy.Port, Get("wrong" + i, close: true), TimeSpan.FromSeconds(15))));
        await Task.Delay(200);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var remembered = await ProxyClient.SendAndReadAllAsync(proxy.Port, Get("Alice-Pw1", close: true));
        var took = watch.Elapsed;
        var guessesStillRunning = !guesses.IsCompleted;
        await guesses;

        Assert.Equal(200, ProxyClient.StatusOf(remembered));
        Assert.True(guessesStillRunning);
        Assert.True(took < TimeSpan.FromMilliseconds(800), $"took {took.TotalMilliseconds:F0} ms");
    }
}
