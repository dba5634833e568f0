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
/// operations. Only operations that start after the warm-up count; the front's CPU is read when
/// the warm-up ends and after the last counted operation. Each operation has its own 10 s timeout.
/// </summary>
internal sealed class LoadLoop(LoadSettings settings)
{
    private readonly LatencyHistogram _latencies = new();
    private readonly ErrorTally _errors = new();
    private long _claimed;
    private long _completed;

    public async Task<LoadReport> RunAsync(string mode, Func<ILoadWorker> newWorker, bool? keepAlive = null)
    {
        var begin = Stopwatch.GetTimestamp();
        var countFrom = begin + ToTimestamp(settings.Warmup);
        var stopAt = countFrom + ToTimestamp(settings.Duration);
        var workers = new Task[settings.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            var worker = newWorker();
            workers[i] = Task.Run(() => WorkAsync(worker, countFrom, stopAt));
        }

        var untilCounting = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), countFrom);
        if (untilCounting > TimeSpan.Zero)
        {
            await Task.Delay(untilCounting);
        }
        var window = CpuWindow.Start(settings.CpuPids, settings.RigPids);
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

    private async Task WorkAsync(ILoadWorker worker, long countFrom, long stopAt)
    {
        using var timeout = new OperationTimeout(OperationTimeout.Default);
        using (worker)
        {
            long completed = 0;
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= stopAt)
                {
                    break;
                }
                var counted = start >= countFrom;
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
                catch (Exception e) when (counted)
                {
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
