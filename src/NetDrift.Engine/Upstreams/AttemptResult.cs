using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// The outcome of one attempt on one upstream: a connection that has answered (the answer's head
/// parsed and consumed; any bytes after it still buffered in the connection's input), a classified
/// failure with a message safe to show, or a local failure (NetDrift could not make a socket:
/// nobody upstream is to blame).
/// </summary>
internal sealed class AttemptResult : IDisposable
{
    private AttemptResult(UpstreamConnection? connection, ResponseHead? response, FailureCause? failure, bool isLocalFailure, string message, TimeSpan latency)
    {
        Connection = connection;
        Response = response;
        Failure = failure;
        IsLocalFailure = isLocalFailure;
        Message = message;
        Latency = latency;
    }

    /// <summary>The answered connection; its input holds the bytes the upstream sent after the head.</summary>
    public UpstreamConnection? Connection { get; private set; }
    public ResponseHead? Response { get; }
    /// <summary>Why it failed; null when the upstream answered (whatever its status) or the failure was local.</summary>
    public FailureCause? Failure { get; }
    /// <summary>No socket could be made (EMFILE): the attempt never reached the upstream.</summary>
    public bool IsLocalFailure { get; }
    public string Message { get; }
    public TimeSpan Latency { get; }
    public bool Succeeded => Failure is null && !IsLocalFailure;
    /// <summary>A SOCKS5 upstream's own target code (0x03..0x06) behind a 502/504 <see cref="Response"/>: what a SOCKS5 client hears.</summary>
    public byte? Socks5TargetCode { get; private init; }

    public static AttemptResult Success(UpstreamConnection connection, ResponseHead response, TimeSpan latency) =>
        new(connection, response, null, false, "", latency);

    /// <summary>A SOCKS5 upstream that said the target failed: an answer standing for it, with the code itself.</summary>
    public static AttemptResult Socks5TargetFailed(UpstreamConnection connection, ResponseHead response, byte code, TimeSpan latency) =>
        new(connection, response, null, false, "", latency) { Socks5TargetCode = code };

    public static AttemptResult Failed(FailureCause failure, string message, TimeSpan latency) =>
        new(null, null, failure, false, message, latency);

    public static AttemptResult LocalFailure(string message, TimeSpan latency) =>
        new(null, null, null, true, message, latency);

    /// <summary>Hands the connection to the caller, who then owns it.</summary>
    public UpstreamConnection TakeConnection()
    {
        var connection = Connection ?? throw new InvalidOperationException("No connection: the attempt failed or was taken.");
        Connection = null;
        return connection;
    }

    public void Dispose() => Connection?.Dispose();
}
