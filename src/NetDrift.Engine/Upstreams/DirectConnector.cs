using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// Routes with action <c>direct</c>: NetDrift itself connects to the target, with no upstream
/// proxy between. It stands in the attempt path as an upstream named <c>direct</c> (its own stats
/// row, outside the pool: never balanced, never health-checked); a tunnel is the TCP connection to
/// the target, answered as a 200 by NetDrift. Dials go through the one <see cref="UpstreamTcpDialer"/>.
/// </summary>
internal sealed class DirectConnector(UpstreamTcpDialer dialer) : IUpstreamConnector
{
    public const string Name = "direct";

    /// <summary>The stand-in upstream's config; its address is never dialed.</summary>
    public static readonly UpstreamConfig Config = new()
    {
        Url = UpstreamAddress.TryParse("http://direct.invalid:1", out var address, out _) ? address! : throw new InvalidOperationException(),
        Name = Name,
    };

    private static readonly ResponseHead Connected = new()
    {
        Version = "HTTP/1.1", StatusCode = 200, ReasonPhrase = "Connection established", Headers = HttpHeaders.Empty,
    };

    public static bool IsDirect(UpstreamConfig upstream) => ReferenceEquals(upstream, Config);

    /// <summary>A TCP connection to the target itself (a plain request's origin).</summary>
    public Task<UpstreamDial> ConnectToAsync(string authority, UpstreamDeadline deadline, CancellationToken stopping)
    {
        if (!UpstreamAddress.TryParse("http://" + authority, out var target, out var error))
        {
            return Task.FromResult(new UpstreamDial(null, FailureCause.Protocol, $"not a target to dial: {error}"));
        }
        return dialer.DialAsync(Config with { Url = target!, Name = Name }, deadline, stopping);
    }

    public Task<UpstreamDial> ConnectAsync(UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping) =>
        Task.FromResult(new UpstreamDial(null, FailureCause.Protocol, "direct has no address of its own"));

    public async Task<AttemptResult> OpenTunnelAsync(UpstreamConfig upstream, string authority, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping)
    {
        var dial = await ConnectToAsync(authority, deadline, stopping).ConfigureAwait(false);
        return dial.Connection is { } connection ? AttemptResult.Success(connection, Connected, deadline.Elapsed) : dial.ToResult(deadline.Elapsed);
    }

    public Task<AttemptResult> SendAndReadAnswerAsync(UpstreamConfig upstream, byte[] head, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping) =>
        Task.FromResult(AttemptResult.Failed(FailureCause.Protocol, "direct is never probed", TimeSpan.Zero));
}
