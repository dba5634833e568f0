using System.Buffers;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;

namespace NetDrift.Benchmarks;

/// <summary>
/// What one access-log line costs: the relay's side (a record into a bounded channel, as
/// AccessLog.Write does) and the writer task's (formatting it), for comparison with the CPU a
/// tunnel costs (the bench's "tunnels per front CPU-s").
/// </summary>
[MemoryDiagnoser]
public class AccessLogBenchmarks
{
    private static readonly AccessRecord Tunnel = new(DateTimeOffset.UnixEpoch.AddSeconds(1_733_140_000), 812, "127.0.0.1", "alice", "Http",
        AccessKind.Tunnel, "CONNECT", "api.example.com:443", 200, "up-a", 1, 5_120, 1_048_576, null);

    private static readonly AccessRecord Plain = new(DateTimeOffset.UnixEpoch.AddSeconds(1_733_140_000), 3, "10.1.2.3", null, "Http",
        AccessKind.Request, "GET", "http://www.example.com/catalog/items?page=2&sort=price", 200, "up-b", 1, 420, 18_311, null, "text/html; charset=utf-8");

    private readonly AccessLineFormatter _squid = new(AccessLogFormat.Squid, logUser: true);
    private readonly AccessLineFormatter _json = new(AccessLogFormat.Json, logUser: true);
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Channel<AccessRecord> _queue = Channel.CreateBounded<AccessRecord>(
        new BoundedChannelOptions(16 * 1024) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    [Benchmark]
    public bool EnqueueAndTake()
    {
        var queued = _queue.Writer.TryWrite(Tunnel);
        _queue.Reader.TryRead(out _);
        return queued;
    }

    [Benchmark]
    public int SquidTunnelLine() => Format(_squid, Tunnel);

    [Benchmark]
    public int SquidPlainLine() => Format(_squid, Plain);

    [Benchmark]
    public int JsonTunnelLine() => Format(_json, Tunnel);

    private int Format(AccessLineFormatter formatter, in AccessRecord record)
    {
        _buffer.ResetWrittenCount();
        formatter.Append(record, _buffer);
        return _buffer.WrittenCount;
    }
}
