using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>plain</c>: absolute-form GETs through the proxy. Keep-alive on: each worker keeps one connection
/// and sends its requests one after another, reconnecting when the proxy closes (the latency of such a
/// request includes the connect). Off: <c>Connection: close</c>, one connection per request.
/// </summary>
internal static class PlainMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var proxy = options.LoopbackEndPoint("proxy");
        var authorization = options.ProxyAuthorization();
        var url = options.LoopbackUrl("url");
        var keepAlive = options.OnOff("keepalive");
        var settings = LoadSettings.From(options);
        options.RejectUnknown();

        var request = ProxyRequests.AbsoluteGet(url, authorization, keepAlive);
        var report = await new LoadLoop(settings).RunAsync("plain", () => new PlainWorker(proxy, request, keepAlive), keepAlive);
        Report.Write(report, ReportJson.Default.LoadReport);
        return 0;
    }

    private sealed class PlainWorker(IPEndPoint proxy, byte[] request, bool keepAlive) : ILoadWorker
    {
        private readonly ResponseReader _reader = new(16 * 1024);
        private Socket? _connection;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask RunOnceAsync(CancellationToken cancellation)
        {
            try
            {
                ResponseHead head;
                var reused = _connection is not null;
                try
                {
                    head = await SendAsync(cancellation);
                }
                catch (Exception e) when (reused && IsStale(e))
                {
                    // The proxy closed the idle connection as we reused it: a race of keep-alive, not a failure.
                    Drop();
                    head = await SendAsync(cancellation);
                }
                if (head.Status != 200)
                {
                    throw LoadFailure.Status(head.Status);
                }
                await _reader.SkipBodyAsync(head, cancellation);
                if (!keepAlive || !head.KeepAlive || head.IsCloseDelimited)
                {
                    Drop();
                }
            }
            catch
            {
                Drop();
                throw;
            }
        }

        public void Dispose() => Drop();

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ResponseHead> SendAsync(CancellationToken cancellation)
        {
            if (_connection is null)
            {
                _connection = await Sockets.ConnectAsync(proxy, cancellation);
                _reader.Attach(_connection);
            }
            await Sockets.SendAllAsync(_connection, request, cancellation);
            return await _reader.ReadHeadAsync(cancellation);
        }

        private static bool IsStale(Exception e) =>
            e is LoadFailure { Kind: LoadFailure.Closed }
            || e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted };

        private void Drop()
        {
            _connection?.Dispose();
            _connection = null;
        }
    }
}
