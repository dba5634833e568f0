using System.Net;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>tunnel</c>: per operation, connect to the proxy, CONNECT (or SOCKS5 CONNECT) to the origin, GET /hello through the
/// tunnel, read the answer to its end, close. Latency runs from connect start to the last byte.
/// </summary>
internal static class TunnelMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var proxy = options.LoopbackEndPoint("proxy");
        var authorization = options.ProxyAuthorization();
        var target = options.LoopbackAuthority("target");
        var socks5 = options.Socks5();
        var settings = LoadSettings.From(options);
        options.RejectUnknown();

        var connect = socks5 ? Socks5Tunnel.Request(target, options.Optional("user"), options.Optional("password")) : ProxyRequests.Connect(target, authorization);
        var get = ProxyRequests.TunnelledGet("/hello", target);
        var report = await new LoadLoop(settings).RunAsync("tunnel", () => new TunnelWorker(proxy, connect, get, socks5));
        Report.Write(report, ReportJson.Default.LoadReport);
        return 0;
    }

    private sealed class TunnelWorker(IPEndPoint proxy, byte[] connect, byte[] get, bool socks5) : ILoadWorker
    {
        private readonly ResponseReader _reader = new(16 * 1024);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunOnceAsync(CancellationToken cancellation)
        {
            using var tunnel = await ProxyTunnel.OpenAsync(proxy, connect, _reader, cancellation, socks5);
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
