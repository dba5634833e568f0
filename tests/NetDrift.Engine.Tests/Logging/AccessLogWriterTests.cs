using Microsoft.Extensions.Logging.Abstractions;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;

namespace NetDrift.Engine.Tests.Logging;

/// <summary>The access log's writer: never blocks, counts what it drops, follows logrotate, switches on reload.</summary>
public sealed class AccessLogWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netdrift-accesslog-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static AccessRecord Line(int n) =>
        new(DateTimeOffset.FromUnixTimeSeconds(1_733_140_000 + n), n, "127.0.0.1", null, "Http", AccessKind.Request, "GET", $"http://o.test/{n}",
            200, "up", 1, 1, 2, null);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Polls (bounded) until the file holds <paramref name="count"/> lines.</summary>
    private static async Task<string[]> WaitForLinesAsync(string path, int count)
    {
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(path))
            {
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
                var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (lines.Length >= count)
                {
                    return lines;
                }
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"{path} never held {count} line(s)");
    }

    /// <summary>
    /// Writes a line every 50 ms (bounded) until one is in a file at <paramref name="path"/>: the
    /// writer checks for a rotation at most once a second, so the first lines may still go to the old file.
    /// </summary>
    private static async Task<string[]> WriteUntilAtPathAsync(AccessLog log, string path)
    {
        for (var i = 100; i < 200; i++)
        {
            log.Write(Line(i));
            await Task.Delay(50);
            if (File.Exists(path) && new FileInfo(path).Length > 0)
            {
                return await WaitForLinesAsync(path, 1);
            }
        }
        throw new TimeoutException($"no line reached a new file at {path}");
    }

    [Fact(Timeout = 10_000)]
    public async Task Write_SinkBlocked_NeverWaitsAndCountsEveryDroppedLine()
    {
        var sink = new BlockedStream();
        var log = new AccessLog(NullLogger.Instance, capacity: 8, open: _ => sink);
        log.Apply(new AccessLogConfig { Path = "blocked.log" });

        log.Write(Line(0));
        Assert.True(sink.Entered.Wait(TimeSpan.FromSeconds(5)), "the writer never reached the sink");
        // The writer task is stuck in the sink: the queue (8) fills, the rest is dropped, and no Write waits.
        var started = Environment.TickCount64;
        for (var i = 1; i <= 100; i++)
        {
            log.Write(Line(i));
        }
        Assert.True(Environment.TickCount64 - started < 1_000, "Write waited for the sink");
        Assert.Equal(100 - 8, log.Dropped);

        sink.Release.Set();
        await log.DisposeAsync();
        Assert.Equal(1 + 8, sink.Lines);
    }

    [Fact(Timeout = 10_000)]
    public async Task Write_FileRenamedAway_NextLinesGoToANewFileAtThePath()
    {
        var path = PathOf("access.log");
        await using var log = new AccessLog(NullLogger.Instance);
        log.Apply(new AccessLogConfig { Path = path });
        log.Write(Line(1));
        await WaitForLinesAsync(path, 1);

        File.Move(path, path + ".1");
        var fresh = await WriteUntilAtPathAsync(log, path);

        Assert.All(fresh, line => Assert.DoesNotContain("http://o.test/1 ", line, StringComparison.Ordinal));
        Assert.Contains("http://o.test/1 ", (await WaitForLinesAsync(path + ".1", 1))[0], StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Write_RenamedAndRecreatedEmpty_LogrotateCreate_NextLinesGoToTheNewFile()
    {
        var path = PathOf("access.log");
        await using var log = new AccessLog(NullLogger.Instance);
        log.Apply(new AccessLogConfig { Path = path });
        log.Write(Line(1));
        await WaitForLinesAsync(path, 1);

        File.Move(path, path + ".1");
        File.WriteAllBytes(path, []);
        var fresh = await WriteUntilAtPathAsync(log, path);

        Assert.All(fresh, line => Assert.DoesNotContain("http://o.test/1 ", line, StringComparison.Ordinal));
        Assert.Contains("http://o.test/1 ", (await WaitForLinesAsync(path + ".1", 1))[0], StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Apply_OnMoveOff_LinesFollowTheConfigAndStopWhenOff()
    {
        var first = PathOf("a.log");
        var second = PathOf("b.log");
        await using var log = new AccessLog(NullLogger.Instance);
        log.Write(Line(0));
        Assert.False(log.IsOn);

        log.Apply(new AccessLogConfig { Path = first });
        log.Write(Line(1));
        await WaitForLinesAsync(first, 1);

        log.Apply(new AccessLogConfig { Path = second, Format = AccessLogFormat.Json });
        log.Write(Line(2));
        var moved = await WaitForLinesAsync(second, 1);
        Assert.StartsWith("{\"time\":", Assert.Single(moved), StringComparison.Ordinal);

        log.Apply(null);
        Assert.False(log.IsOn);
        log.Write(Line(3));
        await log.DisposeAsync();
        Assert.Single(await WaitForLinesAsync(first, 1));
        Assert.Single(await WaitForLinesAsync(second, 1));
        Assert.Equal(0, log.Dropped);
    }

    [Fact(Timeout = 10_000)]
    public async Task Write_FolderMissing_LinesDroppedCountedAndNothingThrows()
    {
        await using var log = new AccessLog(NullLogger.Instance);
        log.Apply(new AccessLogConfig { Path = PathOf("no-such-folder/access.log") });

        log.Write(Line(1));

        for (var i = 0; i < 200 && log.Dropped == 0; i++)
        {
            await Task.Delay(25);
        }
        Assert.Equal(1, log.Dropped);
    }

    /// <summary>A sink whose first write blocks until released: a full disk, a stuck NFS mount, a paused pipe reader.</summary>
    private sealed class BlockedStream : Stream
    {
        private int _lines;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public int Lines => Volatile.Read(ref _lines);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(10));
            Interlocked.Add(ref _lines, buffer.Count((byte)'\n'));
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() { }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
