using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Logging;

/// <summary>The log lines of TLS, upstream and listener side.</summary>
internal static partial class TlsLog
{
    [LoggerMessage(401, LogLevel.Warning, "Upstream {Upstream} has tls_insecure: its certificate is not verified, so anyone on the path can pose as it and read its credentials")]
    public static partial void InsecureUpstream(ILogger logger, string upstream);

    [LoggerMessage(402, LogLevel.Debug, "TLS handshake with client {Client} failed or timed out")]
    public static partial void ClientHandshakeFailed(ILogger logger, string client);

    [LoggerMessage(403, LogLevel.Debug, "Refused a plaintext connection from {Client} on the TLS listener (server.tls.allow_plaintext is false)")]
    public static partial void PlaintextRefused(ILogger logger, string client);

    /// <summary>The tls_insecure warning, once per such upstream at every load and reload.</summary>
    public static void InsecureUpstreams(ILogger logger, Configuration.NetDriftConfig config)
    {
        foreach (var upstream in config.UpstreamProxies)
        {
            if (upstream.TlsInsecure && Upstreams.UpstreamProtocols.Of(upstream.Url) == Upstreams.UpstreamProtocol.Https)
            {
                InsecureUpstream(logger, upstream.Name);
            }
        }
    }
}
