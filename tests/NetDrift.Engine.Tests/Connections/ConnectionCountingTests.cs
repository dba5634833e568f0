using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Tests.Connections;

/// <summary>"Cheap enough to leave on": what the relay does per read for the open-connections list allocates nothing.</summary>
public sealed class ConnectionCountingTests
{
    [Fact(Timeout = 10_000)]
    public async Task CountingPerRelayedRead_AllocatesNothingAndCountsBothSides()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using var _ = client;
        using var __ = server;
        var connection = new ClientConnection(1, server);
        var upstream = new RecordingCounter();
        IByteCounter counter = connection.CountingFor(upstream);
        var activity = new TunnelActivity(server, client);
        Relay(counter, activity, 10); // warm up: JIT and tiering allocate the first time through

        var before = GC.GetAllocatedBytesForCurrentThread();
        Relay(counter, activity, 100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        var snapshot = connection.Snapshot(Environment.TickCount64);
        Assert.Equal(100_010 * 3L, snapshot.BytesSent);
        Assert.Equal(100_010 * 5L, snapshot.BytesReceived);
        Assert.Equal(snapshot.BytesSent, upstream.Sent);
        Assert.Equal(snapshot.BytesReceived, upstream.Received);
    }

    /// <summary>What each relayed read does for the connection list: touch the stamp, count the bytes.</summary>
    private static void Relay(IByteCounter counter, TunnelActivity activity, int reads)
    {
        for (var i = 0; i < reads; i++)
        {
            activity.Touch();
            counter.AddSent(3);
            counter.AddReceived(5);
        }
    }

    private sealed class RecordingCounter : IByteCounter
    {
        public long Sent;
        public long Received;

        public void AddSent(long bytes) => Sent += bytes;

        public void AddReceived(long bytes) => Received += bytes;
    }
}
