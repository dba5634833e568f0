using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Abuse cases on real loopback sockets (issue 7, point 7): malformed and oversized heads, a
/// stalled client, connection churn that must not leak descriptors, the connection cap, the port
/// policy. In a non-parallel collection: the descriptor count is the whole test process's.
/// </summary>
[Collection(AbuseCollection.Name)]
public sealed class AbuseTests
{
    [Fact(Timeout = 15_000)]
    public async Task MalformedRequestLine_400()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        foreach (var line in new[] { "GET\r\n\r\n", "GET  http://a/ HTTP/1.1\r\n\r\n", "GET http://a/ HTTP/9.9\r\n\r\n", "G(T http://a/ HTTP/1.1\r\n\r\n", "\x01\x02\x03\r\n\r\n" })
        {
            Assert.Equal(400, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, line)));
        }
        Assert.Equal(5, proxy.Counters.RejectedBy[RejectionCause.Malformed]);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 15_000)]
    public async Task Header64KiB_431()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var head = "GET http://a.example/ HTTP/1.1\r\nHost: a.example\r\nX-Big: " + new string('x', 64 * 1024) + "\r\n\r\n";
        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, head);
        Assert.Equal(431, ProxyClient.StatusOf(answer));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.HeaderTooLarge]);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 15_000)]
    public async Task StalledHalfRequest_DisconnectedWithinHeaderTimeoutPlusOneSecond()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "header_timeout_seconds": 1 }, """);
        using var slow = await Loopback.ConnectAsync(proxy.Port);
        var clock = Stopwatch.StartNew();
        await Loopback.SendAllAsync(slow, Encoding.ASCII.GetBytes("CONNECT a.example:443 HTTP/1.1\r\nHost: a.ex"));
        var (data, _) = await Loopback.ReadToEndAsync(slow, TimeSpan.FromSeconds(5));
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"closed after {clock.Elapsed}");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(0.8), $"closed early, after {clock.Elapsed}");
        Assert.DoesNotContain("200", Encoding.Latin1.GetString(data));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.HeaderTimeout]);
    }

    [ProcFdFact(Timeout = 120_000)]
    public async Task ChurnOfConnectionsAndTunnels_LeavesFileDescriptorsWhereTheyStarted()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        // Warm up: thread pool, socket engine, first tunnel.
        for (var i = 0; i < 20; i++)
        {
            await OneTunnelAsync(proxy.Port, echo.Authority, i);
        }
        var before = await SettledFdCountAsync(proxy);

        await ParallelAsync(2000, 16, async _ =>
        {
            using var socket = await Loopback.ConnectAsync(proxy.Port);
        });
        await ParallelAsync(500, 25, i => OneTunnelAsync(proxy.Port, echo.Authority, i));

        var after = await SettledFdCountAsync(proxy);
        Assert.True(Math.Abs(after - before) <= 10, $"open descriptors: {before} before, {after} after");
        Assert.Equal(0, proxy.Counters.ActiveConnections);
    }

    [Fact(Timeout = 30_000)]
    public async Task MaxConnectionsPlusFifty_ExactlyFiftyRefusedWith503()
    {
        const int max = 20;
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), $$""" "limits": { "max_connections": {{max}} }, """);
        var held = new List<ProxyAnswer>();
        try
        {
            for (var i = 0; i < max; i++)
            {
                held.Add(await ProxyClient.ConnectAsync(proxy.Port, echo.Authority));
                Assert.Equal(200, held[^1].Status);
            }
            var extra = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            {
                using var socket = await Loopback.ConnectAsync(proxy.Port);
                var (data, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(10));
                return ProxyClient.StatusOf(Encoding.Latin1.GetString(data));
            }));
            Assert.All(extra, status => Assert.Equal(503, status));
            Assert.Equal(50, proxy.Counters.RejectedBy[RejectionCause.MaxConnections]);

            // The held tunnels were not touched.
            foreach (var answer in held)
            {
                await Loopback.SendAllAsync(answer.Socket, "ping"u8.ToArray());
                Assert.Equal("ping", Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(answer.Socket, 4)));
            }
        }
        finally
        {
            held.ForEach(a => a.Dispose());
        }
    }

    [Fact(Timeout = 15_000)]
    public async Task ConnectToPortOutsideAllowedPorts_403()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "allowed_ports": [ 443, 8443 ], """);
        using (var refused = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(403, refused.Status);
        }
        using (var refused = await ProxyClient.ConnectAsync(proxy.Port, "a.example:22"))
        {
            Assert.Equal(403, refused.Status);
        }
        Assert.Equal(2, proxy.Counters.RejectedBy[RejectionCause.PortNotAllowed]);
        Assert.Empty(upstream.Heads);
    }

    private static async Task OneTunnelAsync(int proxyPort, string authority, int i)
    {
        using var answer = await ProxyClient.ConnectAsync(proxyPort, authority);
        Assert.Equal(200, answer.Status);
        var payload = Encoding.ASCII.GetBytes($"tunnel-{i:D5}");
        await Loopback.SendAllAsync(answer.Socket, payload);
        Assert.Equal(payload, await Loopback.ReadExactlyAsync(answer.Socket, payload.Length));
    }

    private static async Task ParallelAsync(int count, int width, Func<int, Task> body)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, width).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await body(i);
            }
        }));
    }

    /// <summary>Waits for the proxy to drop every connection, collects, then takes the lowest of a few counts.</summary>
    private static async Task<int> SettledFdCountAsync(ProxyServer proxy)
    {
        await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 0, TimeSpan.FromSeconds(10));
        var lowest = int.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(200);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            lowest = Math.Min(lowest, Directory.GetFileSystemEntries("/proc/self/fd").Length);
        }
        return lowest;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AbuseCollection
{
    public const string Name = "Abuse (process-wide descriptor counts)";
}

/// <summary>A fact that skips, with the reason, where /proc/self/fd cannot be counted (not Linux).</summary>
public sealed class ProcFdFactAttribute : FactAttribute
{
    public ProcFdFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self/fd"))
        {
            Skip = "counts open descriptors in /proc/self/fd, which only Linux has";
        }
    }
}
