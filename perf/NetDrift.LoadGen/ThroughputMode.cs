using System.Diagnostics;
using System.Net;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>throughput</c>: K tunnels at once, each GET /bytes/B read into a reused 256 KiB buffer and
/// counted (not compared). MB/s = all body bytes / wall time from the first connect to the last byte.
/// </summary>
internal static class ThroughputMode
{
    private const int BufferSize = 256 * 1024;

    public static async Task<int> RunAsync(CommandLine options)
    {
        var proxy = options.LoopbackEndPoint("proxy");
        var authorization = options.ProxyAuthorization();
        var target = options.LoopbackAuthority("target");
        var socks5 = options.Socks5();
        var streams = options.Int32("streams", null, 1, 1000);
        var bytes = options.Integer("bytes", null, 1, 1L << 40);
        var cpuPids = options.ProcessIds("cpu-pids");
        var timeout = options.Seconds("timeout", 120, 1, 3600);
        options.RejectUnknown();

        var connect = socks5 ? Socks5Tunnel.Request(target, options.Optional("user"), options.Optional("password")) : ProxyRequests.Connect(target, authorization);
        var get = ProxyRequests.TunnelledGet($"/bytes/{bytes}", target);
        var errors = new ErrorTally();
        using var deadline = new CancellationTokenSource(timeout);

        var cpuStart = ProcessCpu.Start(cpuPids);
        var begin = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ =>
            Task.Run(() => StreamAsync(proxy, connect, get, bytes, errors, deadline, socks5))));
        var end = results.Max(r => r.End);
        var cpu = ProcessCpu.Since(cpuStart, cpuPids);

        var seconds = Stopwatch.GetElapsedTime(begin, end).TotalSeconds;
        var totalBytes = results.Sum(r => r.Bytes);
        var megabytes = totalBytes / 1e6;
        Report.Write(new ThroughputReport(
            "throughput", streams, bytes, totalBytes, errors.Total, errors.ToDictionary(), Math.Round(seconds, 3),
            Report.Ratio(megabytes, seconds, 1) ?? 0, Report.Round(cpu, 3), Report.Ratio(megabytes, cpu, 1)), ReportJson.Default.ThroughputReport);
        return 0;
    }

    /// <returns>Body bytes received (those of a stream cut short too) and when the last arrived.</returns>
    private static async Task<(long Bytes, long End)> StreamAsync(IPEndPoint proxy, byte[] connect, byte[] get, long bytes, ErrorTally errors, CancellationTokenSource deadline, bool socks5)
    {
        var reader = new ResponseReader(BufferSize);
        try
        {
            using var tunnel = await ProxyTunnel.OpenAsync(proxy, connect, reader, deadline.Token, socks5);
            await Sockets.SendAllAsync(tunnel, get, deadline.Token);
            var head = await reader.ReadHeadAsync(deadline.Token);
            if (head.Status != 200)
            {
                throw LoadFailure.Status(head.Status, fromOrigin: true);
            }
            if (head.ContentLength != bytes)
            {
                throw new LoadFailure("wrong length");
            }
            await reader.SkipExactlyAsync(bytes, deadline.Token);
        }
        catch (Exception e)
        {
            errors.Add(e, deadline.IsCancellationRequested);
        }
        return (reader.BodyBytes, Stopwatch.GetTimestamp());
    }
}
