using System.Net;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>tunnel</c>: per operation, connect to the proxy, CONNECT (or SOCKS5 CONNECT) to the origin, GET /hello through the
/// tunnel, read the answer to its end, close. With <c>--exchange banner</c> the target speaks first
/// (<see cref="BannerMode"/>): read its banner, send a line, read to its close. Latency runs from
/// connect start to the last byte.
/// </summary>
internal static class TunnelMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var proxy = options.LoopbackEndPoint("proxy");
        var authorization = options.ProxyAuthorization();
        var target = options.LoopbackAuthority("target");
        var socks5 = options.Socks5();
        var banner = (options.Optional("exchange") ?? "get") switch
        {
            "get" => false,
            "banner" => true,
            var other => throw new UsageException($"Option --exchange must be get or banner, got '{other}'."),
        };
        var settings = LoadSettings.From(options);
        options.RejectUnknown();

        var connect = socks5 ? Socks5Tunnel.Request(target, options.Optional("user"), options.Optional("password")) : ProxyRequests.Connect(target, authorization);
        var get = ProxyRequests.TunnelledGet("/hello", target);
        var report = await new LoadLoop(settings).RunAsync("tunnel", () => new TunnelWorker(proxy, connect, get, socks5, banner));
        Report.Write(report, ReportJson.Default.LoadReport);
        return 0;
    }

    private sealed class TunnelWorker(IPEndPoint proxy, byte[] connect, byte[] get, bool socks5, bool banner) : ILoadWorker
    {
        private readonly ResponseReader _reader = new(16 * 1024);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunOnceAsync(CancellationToken cancellation)
        {
            using var tunnel = await ProxyTunnel.OpenAsync(proxy, connect, _reader, cancellation, socks5);
            if (banner)
            {
                // The banner may have come with the proxy's answer: the reader holds it then.
                await _reader.SkipExactlyAsync(BannerMode.Line.Length, cancellation);
                await Sockets.SendAllAsync(tunnel, BannerMode.Quit, cancellation);
                await _reader.SkipToEndAsync(cancellation);
                return;
            }
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
