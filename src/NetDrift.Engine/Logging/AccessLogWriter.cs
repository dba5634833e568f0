using System.Buffers;
using System.Threading.Channels;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Logging;

/// <summary>
/// Writes one access log: a bounded queue that relays add to without ever waiting (a full queue
/// drops the line, and says so), drained by one background task that formats a batch, writes it
/// in one go and flushes when the queue runs empty. Before each batch it checks that the file at
/// the path is still its own (logrotate renamed or truncated it: missing, or shorter than what was
/// written; checked at most once a second, so lines that come one at a time cost no stat each) and if
/// not opens a new one there.
/// </summary>
internal sealed class AccessLogWriter : IAsyncDisposable
{
    /// <summary>Lines queued at most: a few seconds of a busy proxy, ~2 MB of records.</summary>
    public const int DefaultCapacity = 16 * 1024;

    /// <summary>A batch is written out once it holds this much, so a burst never builds one huge buffer.</summary>
    private const int WriteChunkBytes = 64 * 1024;

    /// <summary>How often the path is checked for a rotation: logrotate's next lines land in the new file within this.</summary>
    private const int RotationCheckMilliseconds = 1000;

    private readonly Channel<AccessRecord> _queue;
    private readonly Func<Stream> _open;
    private readonly bool _rotates;
    private readonly bool _ownsStream;
    private readonly Action<long> _dropped;
    private readonly Action<Exception> _failed;
    private readonly AccessLineFormatter _formatter;
    private readonly Task _drain;
    private Stream? _stream;
    private long _nextRotationCheck;

    /// <param name="dropped">Told of lines lost to a failed write (a full queue is the caller's count: <see cref="TryWrite"/> is false).</param>
    /// <param name="failed">Told when the file cannot be opened or written; the writer tries again on the next batch.</param>
    /// <param name="open">Replaces opening the configured path (tests: a slow sink).</param>
    public AccessLogWriter(AccessLogConfig config, Action<long> dropped, Action<Exception> failed, int capacity = DefaultCapacity, Func<Stream>? open = null)
    {
        Config = config;
        _dropped = dropped;
        _failed = failed;
        _formatter = new AccessLineFormatter(config.Format, config.LogUser);
        _queue = Channel.CreateBounded<AccessRecord>(new BoundedChannelOptions(capacity)
        {
            // Wait, not DropWrite: only in Wait mode does TryWrite say false when full, so drops are counted.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _rotates = open is null && !config.IsStandardOutput;
        // Standard output belongs to the process: flushed, never closed.
        _ownsStream = open is not null || !config.IsStandardOutput;
        _open = open ?? (config.IsStandardOutput ? Console.OpenStandardOutput : () => OpenFile(config.Path));
        _drain = Task.Run(DrainAsync);
    }

    public AccessLogConfig Config { get; }

    /// <summary>Queues a line; false (nothing waits) when the queue is full or the writer closed.</summary>
    public bool TryWrite(in AccessRecord record) => _queue.Writer.TryWrite(record);

    /// <summary>Writes what is queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _drain.ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        var reader = _queue.Reader;
        var buffer = new ArrayBufferWriter<byte>(WriteChunkBytes);
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var lines = 0L;
                while (reader.TryRead(out var record))
                {
                    _formatter.Append(record, buffer);
                    lines++;
                    if (buffer.WrittenCount >= WriteChunkBytes)
                    {
                        await WriteAsync(buffer, lines).ConfigureAwait(false);
                        lines = 0;
                    }
                }
                await WriteAsync(buffer, lines).ConfigureAwait(false);
                // The queue ran empty: what was written reaches the file now, not at some later batch.
                await FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Close();
        }
    }

    private async Task WriteAsync(ArrayBufferWriter<byte> buffer, long lines)
    {
        if (buffer.WrittenCount == 0)
        {
            return;
        }
        try
        {
            var stream = CurrentStream();
            await stream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            Close();
            _dropped(lines);
            _failed(e);
        }
        buffer.Clear();
    }

    private async Task FlushAsync()
    {
        try
        {
            if (_stream is { } stream)
            {
                await stream.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Close();
            _failed(e);
        }
    }

    /// <summary>The open stream, reopened at the path when logrotate moved the file away.</summary>
    private Stream CurrentStream()
    {
        if (_stream is FileStream file && _rotates && Environment.TickCount64 >= _nextRotationCheck)
        {
            _nextRotationCheck = Environment.TickCount64 + RotationCheckMilliseconds;
            if (WasRotated(file))
            {
                Close();
            }
        }
        return _stream ??= _open();
    }

    /// <summary>
    /// One stat per batch: the path is gone (renamed away, logrotate's nocreate), or holds a file
    /// shorter than this one (a new empty file: create; or copytruncate).
    /// </summary>
    private bool WasRotated(FileStream file)
    {
        var atPath = new FileInfo(Config.Path);
        return !atPath.Exists || atPath.Length < file.Position;
    }

    private static FileStream OpenFile(string path)
    {
        // Delete and ReadWrite sharing: logrotate (and an operator's tail -f) may move or read it meanwhile.
        // No FileStream buffer: the batch is the buffer.
        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    private void Close()
    {
        var stream = _stream;
        _stream = null;
        try
        {
            if (_ownsStream)
            {
                stream?.Dispose();
            }
        }
        catch (IOException)
        {
            // Its last bytes could not be written: nothing more to do with it.
        }
    }
}
