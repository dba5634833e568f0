using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Logging;

/// <summary>
/// A proxy's access log: the writer for the <c>access_log</c> in force (none when it is off),
/// swapped on reload, and the count of lines lost, kept across swaps. Writing is one volatile read
/// and a queue write: it never blocks.
/// </summary>
internal sealed class AccessLog : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly Func<AccessLogConfig, Stream>? _open;
    private AccessLogWriter? _writer;
    private long _dropped;
    private int _failureLogged;

    /// <param name="open">Replaces opening the file (tests).</param>
    public AccessLog(ILogger logger, int capacity = AccessLogWriter.DefaultCapacity, Func<AccessLogConfig, Stream>? open = null)
    {
        _logger = logger;
        _capacity = capacity;
        _open = open;
    }

    /// <summary>True while a line would be written: callers skip gathering one otherwise.</summary>
    public bool IsOn => Volatile.Read(ref _writer) is not null;

    /// <summary>Lines lost since the proxy started: the queue was full, or the file could not be written.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Write(in AccessRecord record)
    {
        if (Volatile.Read(ref _writer) is { } writer && !writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Switches the log on, off or to another path or format; the old writer finishes its queue in the background.</summary>
    public void Apply(AccessLogConfig? config)
    {
        AccessLogWriter? old;
        lock (_lock)
        {
            if (_writer?.Config == config)
            {
                return;
            }
            var writer = config is null ? null : new AccessLogWriter(config, CountDropped, Failed, _capacity, _open is null ? null : () => _open(config));
            old = Interlocked.Exchange(ref _writer, writer);
            Volatile.Write(ref _failureLogged, 0);
        }
        if (old is not null)
        {
            _ = old.DisposeAsync().AsTask();
        }
    }

    public async ValueTask DisposeAsync()
    {
        AccessLogWriter? old;
        lock (_lock)
        {
            old = Interlocked.Exchange(ref _writer, null);
        }
        if (old is not null)
        {
            await old.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void CountDropped(long lines) => Interlocked.Add(ref _dropped, lines);

    /// <summary>Once per writer: a full disk must not turn into a log line per batch.</summary>
    private void Failed(Exception e)
    {
        if (Interlocked.Exchange(ref _failureLogged, 1) == 0)
        {
            ProxyLog.AccessLogFailed(_logger, e.Message);
        }
    }
}
