using System.Diagnostics;

namespace NetDrift.LoadGen;

/// <summary>One worker of a rate test: runs one operation per call, reusing its buffers (and connection) across calls.</summary>
internal interface ILoadWorker : IDisposable
{
    /// <summary>One complete operation; throws on failure (after dropping any connection it held).</summary>
    ValueTask RunOnceAsync(CancellationToken cancellation);
}

/// <summary>
/// Runs a rate test: C workers back to back for warm-up + duration, bounded also by --max counted
/// operations. Only operations that start after the CPU window opens count (and any failure inside
/// it, whenever its operation began), and the duration runs
/// from that moment: on a loaded machine the wake-up at the end of the warm-up comes late, and a
/// count taken from the planned moment would be set against a shorter CPU window. CPU is read
/// when the window opens and after the last counted operation. Each operation has its own 10 s timeout.
/// </summary>
internal sealed class LoadLoop(LoadSettings settings)
{
    private readonly LatencyHistogram _latencies = new();
    private readonly ErrorTally _errors = new();
    private long _claimed;
    private long _completed;
    private long _countFrom = long.MaxValue;
    private long _stopAt = long.MaxValue;

    public async Task<LoadReport> RunAsync(string mode, Func<ILoadWorker> newWorker, bool? keepAlive = null)
    {
        var workers = new Task[settings.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            var worker = newWorker();
            workers[i] = Task.Run(() => WorkAsync(worker));
        }

        if (settings.Warmup > TimeSpan.Zero)
        {
            await Task.Delay(settings.Warmup);
        }
        var window = CpuWindow.Start(settings.CpuPids, settings.RigPids);
        var countFrom = Stopwatch.GetTimestamp();
        Volatile.Write(ref _stopAt, countFrom + ToTimestamp(settings.Duration));
        Volatile.Write(ref _countFrom, countFrom);
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(countFrom).TotalSeconds;
        var cpu = window.Stop();

        var completed = Interlocked.Read(ref _completed);
        return new LoadReport(
            mode, completed, _errors.Total, _errors.ToDictionary(), Math.Round(seconds, 3), Math.Round(completed / seconds, 1),
            Report.Round(_latencies.QuantileMs(0.50), 3), Report.Round(_latencies.QuantileMs(0.90), 3),
            Report.Round(_latencies.QuantileMs(0.99), 3), Report.Round(_latencies.MaxMs, 3),
            Report.Round(cpu.Front, 3), Report.Ratio(completed, cpu.Front, 1), Report.Round(cpu.Rig, 3), Math.Round(cpu.LoadGen, 3),
            Math.Round(cpu.Machine, 3), Math.Round(cpu.WindowSeconds, 3), Environment.ProcessorCount, settings.Concurrency, keepAlive);
    }

    private async Task WorkAsync(ILoadWorker worker)
    {
        using var timeout = new OperationTimeout(OperationTimeout.Default);
        using (worker)
        {
            long completed = 0;
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= Volatile.Read(ref _stopAt))
                {
                    break;
                }
                var counted = start >= Volatile.Read(ref _countFrom);
                if (counted && Interlocked.Increment(ref _claimed) > settings.MaxOperations)
                {
                    break;
                }
                try
                {
                    await worker.RunOnceAsync(timeout.Start());
                    if (counted)
                    {
                        _latencies.Record(Stopwatch.GetElapsedTime(start));
                        completed++;
                    }
                }
                catch (Exception e) when (counted || Stopwatch.GetTimestamp() >= Volatile.Read(ref _countFrom))
                {
                    // Also one begun in the warm-up that failed inside the window (a front that
                    // hangs every operation would otherwise report no completions and no errors).
                    _errors.Add(e, timeout.Expired);
                }
                catch (Exception)
                {
                    // A warm-up failure: not measured, like a warm-up success.
                }
                finally
                {
                    timeout.Finish();
                }
            }
            Interlocked.Add(ref _completed, completed);
        }
    }

    private static long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
