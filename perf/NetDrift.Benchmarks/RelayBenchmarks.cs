using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Benchmarks;

/// <summary>
/// The tunnel relay moving one message one way over real loopback sockets:
/// client app (A) ⇄ relay's client side (B) — relay — relay's upstream side (C) ⇄ upstream app (D).
/// Each op writes a message into A and reads it back out of D. The harness is allocation-free
/// (synchronous span Send/Receive with SocketError out-parameters, preallocated buffers), so any
/// allocation reported per op is the relay's (or the runtime's socket machinery under it).
/// It measures the path the engine picks: splice(2) on Linux; NETDRIFT_RELAY=copy in the environment
/// of `dotnet run` measures the pooled-buffer path that other platforms use.
/// </summary>
[MemoryDiagnoser]
public class RelayBenchmarks
{
    private Socket _clientApp = null!;
    private Socket _clientSide = null!;
    private Socket _upstreamSide = null!;
    private Socket _upstreamApp = null!;
    private Task<RelayResult> _relay = null!;
    private byte[] _message = null!;
    private byte[] _received = null!;

    [Params(1024, 16384, 262144)]
    public int MessageSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_clientApp, _clientSide) = LoopbackPair.Connect();
        (_upstreamSide, _upstreamApp) = LoopbackPair.Connect();
        // Non-blocking so one thread can feed A and drain D without deadlocking on full buffers.
        _clientApp.Blocking = false;
        _message = new byte[MessageSize];
        for (var i = 0; i < _message.Length; i++)
        {
            _message[i] = (byte)(i * 31 + 7);
        }
        _received = new byte[MessageSize];
        _relay = TunnelRelay.RunAsync(_clientSide, _upstreamSide, new TunnelActivity(_clientSide, _upstreamSide), NullByteCounter.Instance);

        RelayMessage();
        if (!_received.AsSpan().SequenceEqual(_message))
        {
            throw new InvalidOperationException("The relay delivered different bytes.");
        }
    }

    [Benchmark]
    public int RelayMessage()
    {
        var size = _message.Length;
        var sent = 0;
        var received = 0;
        while (received < size)
        {
            // Hand A as much as it takes now; then wait at D for at least one byte of what is in flight.
            if (sent < size)
            {
                var count = _clientApp.Send(_message.AsSpan(sent), SocketFlags.None, out var sendError);
                if (sendError == SocketError.Success)
                {
                    sent += count;
                }
                else if (sendError != SocketError.WouldBlock)
                {
                    throw new SocketException((int)sendError);
                }
            }
            if (sent > received)
            {
                var count = _upstreamApp.Receive(_received.AsSpan(received), SocketFlags.None, out var receiveError);
                if (receiveError != SocketError.Success)
                {
                    throw new SocketException((int)receiveError);
                }
                if (count == 0)
                {
                    throw new EndOfStreamException($"The relay closed after {received} of {size} bytes.");
                }
                received += count;
            }
        }
        return received;
    }

    /// <summary>Both apps close their sending half: the relay should end Completed, every byte delivered.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            _clientApp.Shutdown(SocketShutdown.Send);
            _upstreamApp.Shutdown(SocketShutdown.Send);
            if (!_relay.Wait(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("The relay did not end within 10 s of both sides closing.");
            }
            if (_relay.Result != RelayResult.Completed)
            {
                throw new InvalidOperationException($"The relay ended {_relay.Result}, not Completed.");
            }
        }
        finally
        {
            _clientApp.Dispose();
            _clientSide.Dispose();
            _upstreamSide.Dispose();
            _upstreamApp.Dispose();
        }
    }
}
