using System.Net.Sockets;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tls;

namespace NetDrift.Engine.Server;

/// <summary>What a client speaks, told by the first byte of its connection.</summary>
internal enum ClientProtocol { Http, Tls, Socks5 }

/// <summary>
/// The one first-byte dispatch on the listener port: <c>0x16</c> a TLS handshake (with
/// <c>server.tls</c>: an HTTPS proxy, the HTTP request loop then runs inside TLS), <c>0x05</c>
/// SOCKS5 (never inside TLS), anything else plain HTTP. Plaintext (HTTP or SOCKS5) on a TLS
/// listener is refused unless <c>allow_plaintext</c>. Sets the connection's protocol.
/// </summary>
internal sealed class ClientProtocolSniffer(ProxyContext proxy)
{
    public static ClientProtocol Classify(byte first) => first switch
    {
        0x16 => ClientProtocol.Tls,
        0x05 => ClientProtocol.Socks5,
        _ => ClientProtocol.Http,
    };

    /// <summary>Waits for the first byte and readies the connection; null when it is to close (silent, refused, failed handshake).</summary>
    public async Task<ClientProtocol?> PrepareAsync(ClientConnection connection, SocketInput input)
    {
        var config = proxy.Settings.Config;
        var limits = config.Limits;
        if (input.BufferedCount == 0 && !await AwaitFirstByteAsync(connection, input, limits).ConfigureAwait(false))
        {
            return null;
        }
        var protocol = Classify(input.Buffered[0]);
        if (config.Server.Tls is not { } tls || protocol != ClientProtocol.Tls)
        {
            if (config.Server.Tls is { AllowPlaintext: false })
            {
                TlsLog.PlaintextRefused(proxy.Logger, connection.RemoteAddress.ToString());
                return null;
            }
            // Without server.tls a 0x16 is no HTTP request either: the request loop refuses it as malformed.
            protocol = protocol == ClientProtocol.Socks5 ? ClientProtocol.Socks5 : ClientProtocol.Http;
            connection.Protocol = protocol == ClientProtocol.Socks5 ? ConnectionProtocol.Socks5 : ConnectionProtocol.Http;
            return protocol;
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
            return null;
        }
        input.UseTls(stream);
        connection.Transport = input.Transport;
        connection.Protocol = ConnectionProtocol.Https;
        return ClientProtocol.Tls;
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
