using System.Globalization;
using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>How the ways an upstream can fail map to a <see cref="FailureCause"/> and a message safe to show.</summary>
internal static class UpstreamFailures
{
    /// <summary>A failed connect: refused-like errors (nobody there) apart from the rest (the path broke).</summary>
    public static FailureCause OfConnect(SocketError error) =>
        error is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
            or SocketError.NetworkUnreachable or SocketError.NoData or SocketError.TryAgain
            ? FailureCause.Refused : FailureCause.Reset;

    // Invariant: the same text whatever the culture of the PowerShell session hosting the proxy.
    public static string NoConnection(TimeSpan timeout) => string.Create(CultureInfo.InvariantCulture, $"no connection within {timeout.TotalSeconds:0.###}s");

    /// <summary>Why reading an answer head failed.</summary>
    public static (FailureCause Cause, string Message) OfHeadRead(HeadReadStatus status, TimeSpan timeout) => status switch
    {
        HeadReadStatus.TimedOut => (FailureCause.Timeout, string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.###}s")),
        HeadReadStatus.TooLarge => (FailureCause.Protocol, "answer head too large"),
        // Bytes came, but never a whole head: not HTTP (or cut mid-answer).
        HeadReadStatus.Truncated => (FailureCause.Protocol, "answered with something that is not HTTP, then closed"),
        _ => (FailureCause.Reset, "closed without answering"),
    };

    /// <summary>A non-2xx answer to CONNECT.</summary>
    public static FailureCause OfAnswer(ResponseHead response) => response.StatusCode switch
    {
        407 => FailureCause.Auth,
        502 or 503 or 504 => FailureCause.TargetUnreachable,
        _ => FailureCause.UpstreamStatus,
    };
}
