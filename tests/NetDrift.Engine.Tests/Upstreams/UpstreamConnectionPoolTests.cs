using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>
/// The idle keep-alive connections of one upstream, on real loopback pairs: warmest first, only for
/// the credentials they were opened with, capped, and never handing out one that the upstream
/// closed, sent garbage on, or that sat idle past its time. Every discarded one is closed.
/// </summary>
public sealed class UpstreamConnectionPoolTests : IAsyncLifetime
{
    private readonly List<Socket> _peers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _peers.ForEach(p => p.Dispose());
        return Task.CompletedTask;
    }

    /// <summary>A connection as the pool holds it; its upstream end stays in <see cref="_peers"/>.</summary>
    private async Task<(UpstreamConnection Connection, Socket Upstream)> ConnectionAsync(string version = "v1")
    {
        var (client, server) = await Loopback.CreatePairAsync();
        _peers.Add(server);
        return (new UpstreamConnection(client, new SocketInput(client), version), server);
    }

    /// <summary>True once the pool closed its end: the upstream side reads end of stream.</summary>
    private static async Task<bool> ClosedByThePoolAsync(Socket upstream)
    {
        var (data, _) = await Loopback.ReadToEndAsync(upstream, TimeSpan.FromSeconds(5));
        return data.Length == 0;
    }

    [Fact]
    public async Task Returned_IsTakenAgain_WarmestFirst_AndCountedAsReused()
    {
        var pool = new UpstreamConnectionPool();
        var (older, _) = await ConnectionAsync();
        var (newer, _) = await ConnectionAsync();
        pool.Return(older);
        pool.Return(newer);

        Assert.Equal(2, pool.IdleCount);
        Assert.Same(newer, pool.TryTake("v1"));
        Assert.Same(older, pool.TryTake("v1"));
        Assert.Null(pool.TryTake("v1"));
        Assert.Equal(2, pool.Reused);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public async Task OpenedWithOtherCredentials_IsClosedNotHandedOut()
    {
        var pool = new UpstreamConnectionPool();
        var (stale, upstream) = await ConnectionAsync("old-credentials");
        pool.Return(stale);

        Assert.Null(pool.TryTake("new-credentials"));
        Assert.Equal(0, pool.Reused);
        Assert.True(await ClosedByThePoolAsync(upstream));
    }

    [Fact]
    public async Task NotPoolable_EmptyVersion_IsClosedOnReturn()
    {
        var pool = new UpstreamConnectionPool();
        var (tunnel, upstream) = await ConnectionAsync("");
        pool.Return(tunnel);

        Assert.Equal(0, pool.IdleCount);
        Assert.True(await ClosedByThePoolAsync(upstream));
    }

    [Fact]
    public async Task FullPool_ClosesTheOneTooMany()
    {
        var pool = new UpstreamConnectionPool();
        var kept = new List<UpstreamConnection>();
        for (var i = 0; i < EngineDefaults.PooledConnectionsPerUpstream; i++)
        {
            var (connection, _) = await ConnectionAsync();
            kept.Add(connection);
            pool.Return(connection);
        }
        var (extra, extraUpstream) = await ConnectionAsync();

        pool.Return(extra);

        Assert.Equal(EngineDefaults.PooledConnectionsPerUpstream, pool.IdleCount);
        Assert.True(await ClosedByThePoolAsync(extraUpstream));
        pool.Clear();
        Assert.Equal(0, pool.IdleCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpstreamClosedOrSentUnasked_WhileIdle_IsNeverHandedOut(bool close)
    {
        var pool = new UpstreamConnectionPool();
        var (connection, upstream) = await ConnectionAsync();
        pool.Return(connection);
        if (close)
        {
            upstream.Shutdown(SocketShutdown.Send);
        }
        else
        {
            await upstream.SendAsync("HTTP/1.1 408 Request Timeout\r\n\r\n"u8.ToArray(), SocketFlags.None);
        }
        Assert.True(await Loopback.WaitUntilAsync(() => connection.Socket.Available > 0 || connection.Socket.Poll(0, SelectMode.SelectRead)));

        Assert.Null(pool.TryTake("v1"));
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public async Task Sweep_ClosesTheIdleTooLongAndTheDead_KeepsTheRestInOrder()
    {
        var pool = new UpstreamConnectionPool();
        var (expired, expiredUpstream) = await ConnectionAsync();
        var (dead, deadUpstream) = await ConnectionAsync();
        var (older, _) = await ConnectionAsync();
        var (newer, _) = await ConnectionAsync();
        pool.Return(expired);
        expired.IdleSinceMilliseconds -= (long)EngineDefaults.PooledConnectionIdleTime.TotalMilliseconds + 1;
        pool.Return(dead);
        deadUpstream.Shutdown(SocketShutdown.Send);
        Assert.True(await Loopback.WaitUntilAsync(() => dead.Socket.Poll(0, SelectMode.SelectRead)));
        pool.Return(older);
        pool.Return(newer);

        pool.Sweep();

        Assert.Equal(2, pool.IdleCount);
        Assert.True(await ClosedByThePoolAsync(expiredUpstream));
        Assert.Same(newer, pool.TryTake("v1"));
        Assert.Same(older, pool.TryTake("v1"));
    }

    [Fact]
    public async Task IdleTooLong_IsNotHandedOutEvenBeforeASweep()
    {
        var pool = new UpstreamConnectionPool();
        var (connection, upstream) = await ConnectionAsync();
        pool.Return(connection);
        connection.IdleSinceMilliseconds -= (long)EngineDefaults.PooledConnectionIdleTime.TotalMilliseconds + 1;

        Assert.Null(pool.TryTake("v1"));
        Assert.True(await ClosedByThePoolAsync(upstream));
    }

    [Fact(Timeout = 30_000)]
    public async Task ConcurrentTakeAndReturn_CountStaysExact()
    {
        var pool = new UpstreamConnectionPool();
        var connections = new List<UpstreamConnection>();
        for (var i = 0; i < 8; i++)
        {
            connections.Add((await ConnectionAsync()).Connection);
        }
        connections.ForEach(pool.Return);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var round = 0; round < 2_000; round++)
            {
                if (pool.TryTake("v1") is { } taken)
                {
                    pool.Return(taken);
                }
            }
        })));

        Assert.Equal(8, pool.IdleCount);
        var drained = 0;
        while (pool.TryTake("v1") is not null)
        {
            drained++;
        }
        Assert.Equal(8, drained);
    }
}
