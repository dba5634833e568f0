using System.Net;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>tunnel</c>: per operation, connect to the proxy, CONNECT to the origin, GET /hello through the
/// tunnel, read the answer to its end, close. Latency runs from connect start to the last byte.
/// </summary>
internal static class TunnelMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var proxy = options.LoopbackEndPoint("proxy");
        var authorization = options.ProxyAuthorization();
        var target = options.LoopbackAuthority("target");
        var settings = LoadSettings.From(options);
        options.RejectUnknown();

        var connect = ProxyRequests.Connect(target, authorization);
        var get = ProxyRequests.TunnelledGet("/hello", target);
        var report = await new LoadLoop(settings).RunAsync("tunnel", () => new TunnelWorker(proxy, connect, get));
        Report.Write(report, ReportJson.Default.LoadReport);
        return 0;
    }

    private sealed class TunnelWorker(IPEndPoint proxy, byte[] connect, byte[] get) : ILoadWorker
    {
        private readonly ResponseReader _reader = new(16 * 1024);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunOnceAsync(CancellationToken cancellation)
        {
            using var tunnel = await ProxyTunnel.OpenAsync(proxy, connect, _reader, cancellation);
            await Sockets.SendAllAsync(tunnel, get, cancellation);
            var head = await _reader.ReadHeadAsync(cancellation);
            if (head.Status != 200)
            {
                throw LoadFailure.Status(head.Status, fromOrigin: true);
            }
            await _reader.SkipBodyAsync(head, cancellation);
        }

        public void Dispose()
        {
            // Nothing outlives an operation.
        }
    }
}
