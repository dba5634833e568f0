using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Server;

/// <summary>
/// The outcome of one attempt on one upstream: a connected socket that has answered (with the
/// answer's head and any bytes after it) or a classified failure with a message safe to show.
/// </summary>
internal sealed class AttemptResult : IDisposable
{
    private AttemptResult(Socket? socket, ResponseHead? response, ReceivedHead? received, FailureCause? failure, string message, TimeSpan latency)
    {
        Socket = socket;
        Response = response;
        Received = received;
        Failure = failure;
        Message = message;
        Latency = latency;
    }

    public Socket? Socket { get; private set; }
    public ResponseHead? Response { get; }
    public ReceivedHead? Received { get; }
    /// <summary>Why it failed; null when the upstream answered (whatever its status).</summary>
    public FailureCause? Failure { get; }
    public string Message { get; }
    public TimeSpan Latency { get; }
    public bool Succeeded => Failure is null;

    public static AttemptResult Success(Socket socket, ResponseHead response, ReceivedHead received, TimeSpan latency) =>
        new(socket, response, received, null, "", latency);

    public static AttemptResult Failed(FailureCause failure, string message, TimeSpan latency) =>
        new(null, null, null, failure, message, latency);

    /// <summary>Hands the socket to the caller, who then owns it.</summary>
    public Socket TakeSocket()
    {
        var socket = Socket ?? throw new InvalidOperationException("No socket: the attempt failed or was taken.");
        Socket = null;
        return socket;
    }

    public void Dispose()
    {
        Received?.Dispose();
        Socket?.Dispose();
    }
}
