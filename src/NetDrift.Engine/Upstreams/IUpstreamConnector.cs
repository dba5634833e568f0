using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// How NetDrift speaks to one kind of upstream (the scheme of its URL): today <c>http://</c>
/// (<see cref="HttpProxyConnector"/>). An <c>https://</c> connector is the same HTTP exchanges over
/// a TLS transport made in <see cref="ConnectAsync"/>; a <c>socks5://</c> one makes its RFC 1928
/// greeting in <see cref="ConnectAsync"/> and its CONNECT in <see cref="OpenTunnelAsync"/>.
/// Attempts, health probes and the idle pool see only this. Every call keeps to the one
/// <see cref="UpstreamDeadline"/>, returns failures classified, and throws only when
/// <c>stopping</c> fires (the proxy is stopping: nobody's fault).
/// </summary>
internal interface IUpstreamConnector
{
    /// <summary>A transport to the upstream, ready to carry requests (TCP for <c>http://</c>).</summary>
    Task<UpstreamDial> ConnectAsync(UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping);

    /// <summary>
    /// A fresh transport, a tunnel to <paramref name="authority"/> asked for through it, and the
    /// upstream's answer (any status: the caller judges it; bytes after it stay in the input).
    /// </summary>
    Task<AttemptResult> OpenTunnelAsync(UpstreamConfig upstream, string authority, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping);

    /// <summary>A fresh transport, one request head sent on it, and the upstream's answer head (a health probe's GET).</summary>
    Task<AttemptResult> SendAndReadAnswerAsync(UpstreamConfig upstream, byte[] head, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping);
}
