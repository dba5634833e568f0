using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tls;

namespace NetDrift.Engine.Server;

/// <summary>What a client speaks, told by the first byte of its connection.</summary>
internal enum ClientProtocol { Http, Tls, Socks5 }

/// <summary>
/// The first byte of a client's connection decides what it speaks on the one listener port:
/// <c>0x16</c> a TLS handshake (with <c>server.tls</c>: an HTTPS proxy, the HTTP request loop then
/// runs inside TLS), <c>0x05</c> SOCKS5, anything else plain HTTP. Plaintext on a TLS listener is
/// refused unless <c>allow_plaintext</c>. Without <c>server.tls</c> nothing is read here.
/// </summary>
internal sealed class ClientProtocolSniffer(ProxyContext proxy)
{
    public static ClientProtocol Classify(byte first) => first switch
    {
        0x16 => ClientProtocol.Tls,
        0x05 => ClientProtocol.Socks5,
        _ => ClientProtocol.Http,
    };

    /// <summary>Readies the connection for the request loop; false when it is to close (silent, refused, failed handshake).</summary>
    public async Task<bool> PrepareAsync(ClientConnection connection, SocketInput input)
    {
        var config = proxy.Settings.Config;
        if (config.Server.Tls is not { } tls)
        {
            return true;
        }
        var limits = config.Limits;
        if (input.BufferedCount == 0 && !await AwaitFirstByteAsync(connection, input, limits).ConfigureAwait(false))
        {
            return false;
        }
        if (Classify(input.Buffered[0]) != ClientProtocol.Tls)
        {
            if (tls.AllowPlaintext)
            {
                return true;
            }
            TlsLog.PlaintextRefused(proxy.Logger, connection.RemoteAddress.ToString());
            return false;
        }
        // Bytes already read (the ClientHello's start) go to TLS first; the handshake has what is left of the header timeout.
        var read = input.Buffered.ToArray();
        input.Consume(read.Length);
        var stream = await TlsServerHandshake.AcceptAsync(connection.Socket, tls.Certificate, read,
            ClientConnectionHandler.FirstHeadTimeLeft(connection, limits), proxy.StoppingToken).ConfigureAwait(false);
        if (stream is null)
        {
            if (ClientConnectionHandler.FirstHeadTimeLeft(connection, limits) == TimeSpan.Zero)
            {
                proxy.Counters.Reject(RejectionCause.HeaderTimeout);
            }
            TlsLog.ClientHandshakeFailed(proxy.Logger, connection.RemoteAddress.ToString());
            return false;
        }
        input.UseTls(stream);
        connection.Transport = input.Transport;
        return true;
    }

    private async Task<bool> AwaitFirstByteAsync(ClientConnection connection, SocketInput input, Configuration.LimitsConfig limits)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(proxy.StoppingToken);
        deadline.CancelAfter(ClientConnectionHandler.FirstHeadTimeLeft(connection, limits));
        try
        {
            return await input.FillAsync(limits.MaxHeaderBytes + 1, deadline.Token).ConfigureAwait(false) > 0;
        }
        catch (OperationCanceledException) when (!proxy.StoppingToken.IsCancellationRequested)
        {
            proxy.Counters.Reject(RejectionCause.HeaderTimeout);
            return false;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }
}
