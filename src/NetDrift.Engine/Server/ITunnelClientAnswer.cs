using NetDrift.Engine.Http;

namespace NetDrift.Engine.Server;

/// <summary>
/// How a tunnel's client hears the outcome, in its own protocol: an HTTP CONNECT client gets
/// status lines (<see cref="HttpTunnelAnswer"/>), a SOCKS5 client reply codes (<see cref="Socks5TunnelAnswer"/>).
/// The attempts behind it are the same (<see cref="ConnectForwarder"/>).
/// </summary>
internal interface ITunnelClientAnswer
{
    /// <summary>The tunnel is open: tell the client (<paramref name="upstreamName"/> when the config exposes it).</summary>
    ValueTask EstablishedAsync(Transport client, string? upstreamName);

    /// <summary>
    /// NetDrift's refusal, then close: <paramref name="httpAnswer"/> with its <paramref name="status"/>,
    /// and a SOCKS5 upstream's own target code when that is what failed.
    /// </summary>
    Task RefuseAsync(Transport client, byte[] httpAnswer, int status, byte? socks5TargetCode);
}
