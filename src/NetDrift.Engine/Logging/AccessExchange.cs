using System.Diagnostics;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Logging;

/// <summary>
/// The access-log line of one tunnel or request while it runs: its start, the bytes it moved (it
/// sits in front of the upstream's counters, so a relay reports to both with one call) and its
/// answer; <see cref="Finish"/> queues the line. Made only while the log is on.
/// </summary>
internal sealed class AccessExchange : IByteCounter
{
    private readonly AccessLog _log;
    private readonly TimeProvider _time;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly string _client;
    private readonly string? _user;
    private readonly string _protocol;
    private readonly AccessKind _kind;
    private readonly string _method;
    private readonly string _target;
    private IByteCounter _inner = NullByteCounter.Instance;
    private long _sent;
    private long _received;
    private int _status;
    private string? _contentType;
    private int _finished;

    public AccessExchange(AccessLog log, TimeProvider time, string client, string? user, string protocol, AccessKind kind, string method, string target)
    {
        _log = log;
        _time = time;
        _client = client;
        _user = user;
        _protocol = protocol;
        _kind = kind;
        _method = method;
        _target = target;
    }

    /// <summary>Counts the bytes of the attempt on an upstream into this line and into <paramref name="upstream"/>.</summary>
    public IByteCounter Over(IByteCounter upstream)
    {
        _inner = upstream;
        return this;
    }

    public void AddSent(long bytes)
    {
        _inner.AddSent(bytes);
        Interlocked.Add(ref _sent, bytes);
    }

    public void AddReceived(long bytes)
    {
        _inner.AddReceived(bytes);
        Interlocked.Add(ref _received, bytes);
    }

    /// <summary>The upstream's answer (a plain request's status and content type).</summary>
    public void Answered(int status, string? contentType)
    {
        _status = status;
        _contentType = contentType;
    }

    /// <summary>Queues the line (once): served by <paramref name="upstream"/>, or answered <paramref name="status"/> by NetDrift with <paramref name="cause"/>.</summary>
    public void Finish(string? upstream, int attempts, int status = 0, string? cause = null)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }
        _log.Write(new AccessRecord(_time.GetUtcNow(), (long)Stopwatch.GetElapsedTime(_started).TotalMilliseconds, _client, _user, _protocol,
            _kind, _method, _target, status != 0 ? status : _status, upstream, attempts,
            Interlocked.Read(ref _sent), Interlocked.Read(ref _received), cause, _contentType));
    }
}
