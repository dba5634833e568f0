using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Tests.Tunnel;

/// <summary>The relay through pooled buffers: the portable path.</summary>
public sealed class CopyTunnelRelayTests : TunnelRelayTests
{
    protected override bool Splice => false;
}

/// <summary>The relay with splice(2): the default on Linux.</summary>
public sealed class SpliceTunnelRelayTests : TunnelRelayTests
{
    protected override bool Splice => true;

    [Fact]
    public void IsSupported_OnLinux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), SplicePump.IsSupported);
    }
}

public abstract class TunnelRelayTests
{
    /// <summary>Whether the rig's relay splices; only where the platform can.</summary>
    protected abstract bool Splice { get; }

    /// <summary>Two loopback pairs with the relay in the middle: client app ⇄ relay ⇄ upstream app.</summary>
    private sealed class RelayRig : IDisposable
    {
        private readonly Socket[] _spares;

        private RelayRig(Socket clientApp, Socket clientSide, Socket upstreamSide, Socket upstreamApp, bool spareActivitySockets)
        {
            ClientApp = clientApp;
            ClientSide = clientSide;
            UpstreamSide = upstreamSide;
            UpstreamApp = upstreamApp;
            _spares = spareActivitySockets
                ? [new Socket(SocketType.Stream, ProtocolType.Tcp), new Socket(SocketType.Stream, ProtocolType.Tcp)]
                : [];
            Activity = spareActivitySockets ? new TunnelActivity(_spares[0], _spares[1]) : new TunnelActivity(clientSide, upstreamSide);
        }

        public Socket ClientApp { get; }
        public Socket ClientSide { get; }
        public Socket UpstreamSide { get; }
        public Socket UpstreamApp { get; }
        public TunnelActivity Activity { get; }
        public CountingByteCounter Counter { get; } = new();
        public Task<RelayResult> Relay { get; private set; } = Task.FromResult(RelayResult.Completed);

        /// <param name="spareActivitySockets">The activity's abort resets two spare sockets, not the
        /// relay's: a test can record a cut and then choose what the relay's sockets see next.</param>
        public static async Task<RelayRig> StartAsync(bool splice, bool endWithUpstream = false, bool spareActivitySockets = false)
        {
            var (clientApp, clientSide) = await Loopback.CreatePairAsync();
            var (upstreamSide, upstreamApp) = await Loopback.CreatePairAsync();
            var rig = new RelayRig(clientApp, clientSide, upstreamSide, upstreamApp, spareActivitySockets);
            rig.Relay = TunnelRelay.RunAsync(clientSide, upstreamSide, rig.Activity, rig.Counter, endWithUpstream, splice && SplicePump.IsSupported);
            return rig;
        }

        public Task<RelayResult> ResultAsync() => Relay.WaitAsync(TimeSpan.FromSeconds(5));

        public void Dispose()
        {
            ClientApp.Dispose();
            ClientSide.Dispose();
            UpstreamSide.Dispose();
            UpstreamApp.Dispose();
            foreach (var spare in _spares)
            {
                spare.Dispose();
            }
        }
    }

    private sealed class CountingByteCounter : IByteCounter
    {
        private long _sent;
        private long _received;

        public long Sent => Volatile.Read(ref _sent);
        public long Received => Volatile.Read(ref _received);

        public void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);

        public void AddReceived(long bytes) => Interlocked.Add(ref _received, bytes);
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact(Timeout = 15_000)]
    public async Task RunAsync_BulkBothWays_BytesIntactAndCounted()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        var up = RandomBytes(1024 * 1024, 1);
        var down = RandomBytes(512 * 1024 + 7, 2);

        var sendUp = Task.Run(async () => { await Loopback.SendAllAsync(rig.ClientApp, up); rig.ClientApp.Shutdown(SocketShutdown.Send); });
        var sendDown = Task.Run(async () => { await Loopback.SendAllAsync(rig.UpstreamApp, down); rig.UpstreamApp.Shutdown(SocketShutdown.Send); });
        var atUpstream = Loopback.ReadToEndAsync(rig.UpstreamApp);
        var atClient = Loopback.ReadToEndAsync(rig.ClientApp);
        await Task.WhenAll(sendUp, sendDown);

        Assert.Equal(up, (await atUpstream).Data);
        Assert.Equal(down, (await atClient).Data);
        Assert.Equal(RelayResult.Completed, await rig.ResultAsync());
        Assert.Equal(up.Length, rig.Counter.Sent);
        Assert.Equal(down.Length, rig.Counter.Received);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_ReaderFallsBehind_BytesIntactThroughBackPressure()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        var data = RandomBytes(16 * 1024 * 1024, 4);
        var send = Task.Run(async () => { await Loopback.SendAllAsync(rig.ClientApp, data); rig.ClientApp.Shutdown(SocketShutdown.Send); });
        // Nobody reads for a while: the relay's destination fills and it must wait for room.
        await Task.Delay(300);

        Assert.Equal(data, (await Loopback.ReadToEndAsync(rig.UpstreamApp)).Data);
        await send;
        rig.UpstreamApp.Shutdown(SocketShutdown.Send);
        Assert.Equal(RelayResult.Completed, await rig.ResultAsync());
        Assert.Equal(data.Length, rig.Counter.Sent);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_ClientHalfCloses_UpstreamSeesEofAndCanStillAnswer()
    {
        using var rig = await RelayRig.StartAsync(Splice);

        await Loopback.SendAllAsync(rig.ClientApp, "request"u8.ToArray());
        rig.ClientApp.Shutdown(SocketShutdown.Send);
        var (request, reset) = await Loopback.ReadToEndAsync(rig.UpstreamApp);
        Assert.False(reset);
        Assert.Equal("request", Encoding.ASCII.GetString(request));
        Assert.False(rig.Relay.IsCompleted);

        await Loopback.SendAllAsync(rig.UpstreamApp, "answer after half-close"u8.ToArray());
        rig.UpstreamApp.Shutdown(SocketShutdown.Send);
        var (answer, _) = await Loopback.ReadToEndAsync(rig.ClientApp);

        Assert.Equal("answer after half-close", Encoding.ASCII.GetString(answer));
        Assert.Equal(RelayResult.Completed, await rig.ResultAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_UpstreamHalfCloses_ClientSeesEofAndCanStillSend()
    {
        using var rig = await RelayRig.StartAsync(Splice);

        await Loopback.SendAllAsync(rig.UpstreamApp, "banner"u8.ToArray());
        rig.UpstreamApp.Shutdown(SocketShutdown.Send);
        var (banner, _) = await Loopback.ReadToEndAsync(rig.ClientApp);
        Assert.Equal("banner", Encoding.ASCII.GetString(banner));
        Assert.False(rig.Relay.IsCompleted);

        await Loopback.SendAllAsync(rig.ClientApp, "late words"u8.ToArray());
        rig.ClientApp.Shutdown(SocketShutdown.Send);
        var (late, _) = await Loopback.ReadToEndAsync(rig.UpstreamApp);

        Assert.Equal("late words", Encoding.ASCII.GetString(late));
        Assert.Equal(RelayResult.Completed, await rig.ResultAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_ClientResets_ClientResetAndUpstreamClosed()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        await Loopback.SendAllAsync(rig.ClientApp, "x"u8.ToArray());
        await Loopback.ReadExactlyAsync(rig.UpstreamApp, 1);

        Loopback.Reset(rig.ClientApp);

        Assert.Equal(RelayResult.ClientReset, await rig.ResultAsync());
        var (_, _) = await Loopback.ReadToEndAsync(rig.UpstreamApp);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_UpstreamResets_UpstreamResetAndClientClosed()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        await Loopback.SendAllAsync(rig.UpstreamApp, "x"u8.ToArray());
        await Loopback.ReadExactlyAsync(rig.ClientApp, 1);

        Loopback.Reset(rig.UpstreamApp);

        Assert.Equal(RelayResult.UpstreamReset, await rig.ResultAsync());
        var (_, _) = await Loopback.ReadToEndAsync(rig.ClientApp);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_UpstreamResetsAfterClientHalfClose_UpstreamReset()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        rig.ClientApp.Shutdown(SocketShutdown.Send);
        await Loopback.ReadToEndAsync(rig.UpstreamApp);

        Loopback.Reset(rig.UpstreamApp);

        Assert.Equal(RelayResult.UpstreamReset, await rig.ResultAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_AbortIdleTimeout_EndsWithIdleTimeout()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        await Loopback.SendAllAsync(rig.ClientApp, "x"u8.ToArray());
        await Loopback.ReadExactlyAsync(rig.UpstreamApp, 1);

        rig.Activity.Abort(RelayResult.IdleTimeout);

        Assert.Equal(RelayResult.IdleTimeout, await rig.ResultAsync());
        Assert.Equal(RelayResult.IdleTimeout, rig.Activity.AbortReason);
        await Loopback.ReadToEndAsync(rig.ClientApp);
        await Loopback.ReadToEndAsync(rig.UpstreamApp);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_AbortAborted_EndsWithAborted()
    {
        using var rig = await RelayRig.StartAsync(Splice);

        rig.Activity.Abort(RelayResult.Aborted);

        Assert.Equal(RelayResult.Aborted, await rig.ResultAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_AbortAfterHalfClose_EndsWithAbortReason()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        rig.ClientApp.Shutdown(SocketShutdown.Send);
        await Loopback.ReadToEndAsync(rig.UpstreamApp);

        rig.Activity.Abort(RelayResult.IdleTimeout);

        Assert.Equal(RelayResult.IdleTimeout, await rig.ResultAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_EndOfStreamAfterTheCut_NotPassedOnAsAFin()
    {
        // Made deterministic, the race of a reset while the other direction's splice holds the
        // socket (.NET then disconnects it first, and a pending read sees an ordinary end): the cut
        // is recorded, then an end of stream reaches the relay. It must not become a FIN.
        using var rig = await RelayRig.StartAsync(Splice, spareActivitySockets: true);
        var bulk = RandomBytes(256 * 1024, 7); // more than one buffer: the direction moves to splice where it can
        await Loopback.SendAllAsync(rig.ClientApp, bulk);
        Assert.Equal(bulk, await Loopback.ReadExactlyAsync(rig.UpstreamApp, bulk.Length));

        rig.Activity.Abort(RelayResult.Aborted);
        rig.ClientApp.Shutdown(SocketShutdown.Send);

        var atUpstream = rig.UpstreamApp.ReceiveAsync(new byte[16], SocketFlags.None);
        Assert.NotSame(atUpstream, await Task.WhenAny(atUpstream, Task.Delay(500)));
        Loopback.Reset(rig.UpstreamApp);
        Assert.Equal(RelayResult.Aborted, await rig.ResultAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_EndWithUpstream_UpstreamEofEndsTheTunnel()
    {
        using var rig = await RelayRig.StartAsync(Splice, endWithUpstream: true);

        await Loopback.SendAllAsync(rig.UpstreamApp, "HTTP/1.1 200 OK\r\n\r\nbody"u8.ToArray());
        rig.UpstreamApp.Shutdown(SocketShutdown.Send);

        Assert.Equal(RelayResult.Completed, await rig.ResultAsync());
        var (data, _) = await Loopback.ReadToEndAsync(rig.ClientApp);
        Assert.Equal("HTTP/1.1 200 OK\r\n\r\nbody", Encoding.ASCII.GetString(data));
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_Traffic_TouchesActivity()
    {
        using var rig = await RelayRig.StartAsync(Splice);
        var before = rig.Activity.LastActivityMilliseconds;
        await Task.Delay(50);

        await Loopback.SendAllAsync(rig.ClientApp, "x"u8.ToArray());
        await Loopback.ReadExactlyAsync(rig.UpstreamApp, 1);

        Assert.True(rig.Activity.LastActivityMilliseconds >= before + 40);
        Assert.False(rig.Activity.IsIdleFor(TimeSpan.FromSeconds(10), Environment.TickCount64));
        Assert.True(rig.Activity.IsIdleFor(TimeSpan.FromSeconds(10), Environment.TickCount64 + 10_001));
    }

    [Fact(Timeout = 10_000)]
    public async Task CopyOneWayAsync_SourceEnds_DestinationHalfClosedAndCounted()
    {
        var (sourceApp, source) = await Loopback.CreatePairAsync();
        var (destination, destinationApp) = await Loopback.CreatePairAsync();
        using (sourceApp)
        using (source)
        using (destination)
        using (destinationApp)
        {
            var counter = new CountingByteCounter();
            var copy = TunnelRelay.CopyOneWayAsync(source, destination, new TunnelActivity(source, destination), counter, toUpstream: true);
            var payload = RandomBytes(100_000, 3);

            await Loopback.SendAllAsync(sourceApp, payload);
            sourceApp.Shutdown(SocketShutdown.Send);

            Assert.True(await copy.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(payload, (await Loopback.ReadToEndAsync(destinationApp)).Data);
            Assert.Equal(payload.Length, counter.Sent);
            Assert.Equal(0, counter.Received);
        }
    }
}
