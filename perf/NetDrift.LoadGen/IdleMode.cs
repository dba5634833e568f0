using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>idle</c>: opens N tunnels with at most --concurrency handshakes in flight, prints its JSON line,
/// then holds every tunnel open, silent, until a stdin line or EOF (or SIGTERM): the runner reads the
/// front's memory in between.
/// </summary>
internal static class IdleMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var proxy = options.LoopbackEndPoint("proxy");
        var authorization = options.ProxyAuthorization();
        var target = options.LoopbackAuthority("target");
        var count = options.Int32("count", null, 1, 1_000_000);
        var concurrency = options.Int32("concurrency", 200, 1, 10_000);
        var timeout = options.Seconds("timeout", 60, 1, 3600);
        options.RejectUnknown();

        using var stop = StopSignal.OnStdinLineOrEof();
        var connect = ProxyRequests.Connect(target, authorization);
        var tunnels = new Socket?[count];
        var errors = new ErrorTally();
        var next = -1;
        var begin = Stopwatch.GetTimestamp();
        using (var opening = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            opening.CancelAfter(timeout);
            await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(async () =>
            {
                var reader = new ResponseReader(4 * 1024);
                int index;
                while ((index = Interlocked.Increment(ref next)) < count && !opening.IsCancellationRequested)
                {
                    tunnels[index] = await OpenAsync(proxy, connect, reader, errors, opening.Token);
                }
            })));
        }
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        var opened = tunnels.Count(t => t is not null);
        var unattempted = count - opened - errors.Total;
        if (unattempted > 0)
        {
            errors.Add("not attempted (timeout)", unattempted);
        }
        Report.Write(new IdleReport("idle", count, opened, errors.Total, errors.ToDictionary(), Math.Round(seconds, 3)), ReportJson.Default.IdleReport);

        await stop.Stopped;
        foreach (var tunnel in tunnels)
        {
            tunnel?.Dispose();
        }
        return 0;
    }

    /// <returns>The open tunnel, or null (counted) when it failed.</returns>
    private static async Task<Socket?> OpenAsync(IPEndPoint proxy, byte[] connect, ResponseReader reader, ErrorTally errors, CancellationToken opening)
    {
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(opening);
        handshake.CancelAfter(OperationTimeout.Default);
        try
        {
            return await ProxyTunnel.OpenAsync(proxy, connect, reader, handshake.Token);
        }
        catch (Exception e)
        {
            errors.Add(e, timedOut: handshake.IsCancellationRequested);
            return null;
        }
    }
}
