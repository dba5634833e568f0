using System.Net.Sockets;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>The tracked client connections: per-client counts for admission, and a drain that waits for them.</summary>
public sealed class ConnectionTrackerTests : IAsyncLifetime
{
    private readonly List<Socket> _sockets = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _sockets.ForEach(s => s.Dispose());
        return Task.CompletedTask;
    }

    private async Task<Socket> AcceptedAsync()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        _sockets.Add(client);
        _sockets.Add(server);
        return server;
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_SameClientTwice_CountsTwoAndCloseGivesBack()
    {
        var tracker = new ConnectionTracker();

        var first = tracker.Open(await AcceptedAsync(), out var one);
        var second = tracker.Open(await AcceptedAsync(), out var two);
        tracker.Close(first);
        tracker.Open(await AcceptedAsync(), out var again);

        Assert.Equal((1, 2, 2), (one, two, again));
        Assert.Equal(2, tracker.Count);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task DrainAsync_ConnectionEndsWithinTheTimeout_NothingCut()
    {
        var tracker = new ConnectionTracker();
        var connection = tracker.Open(await AcceptedAsync(), out _);

        var drain = tracker.DrainAsync(TimeSpan.FromSeconds(20), null, CancellationToken.None);
        Assert.False(drain.IsCompleted);
        tracker.Close(connection);

        Assert.Equal((1, 0), await drain.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(tracker.IsEmpty);
    }
}
