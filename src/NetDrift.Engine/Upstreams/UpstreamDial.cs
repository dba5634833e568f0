using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// A dial's outcome: a connected transport to the upstream, or why there is none. No failure cause
/// with no connection means NetDrift could not make a socket (out of descriptors): nobody's fault upstream.
/// </summary>
/// <param name="Detail">The bare reason (a socket error name, the timeout), for messages that add their own wording.</param>
internal readonly record struct UpstreamDial(UpstreamConnection? Connection, FailureCause? Failure, string Message, string Detail = "")
{
    public bool IsLocalFailure => Connection is null && Failure is null;

    public static UpstreamDial Connected(UpstreamConnection connection) => new(connection, null, "");

    public static UpstreamDial Local(string message) => new(null, null, message, message);

    /// <summary>The failure as an attempt's result.</summary>
    public AttemptResult ToResult(TimeSpan latency) => IsLocalFailure
        ? AttemptResult.LocalFailure(Message, latency)
        : AttemptResult.Failed(Failure ?? throw new InvalidOperationException("The dial succeeded."), Message, latency);
}
