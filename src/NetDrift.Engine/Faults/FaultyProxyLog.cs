using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Faults;

/// <summary>
/// Every log line of the faulty proxy, source-generated so nothing is formatted unless Debug is on.
/// Options are logged through their masked ToString: never a password.
/// </summary>
internal static partial class FaultyProxyLog
{
    [LoggerMessage(101, LogLevel.Debug, "Faulty proxy '{Proxy}' started on port {Port}: {Options}")]
    public static partial void Started(ILogger logger, string proxy, int port, string options);

    [LoggerMessage(102, LogLevel.Debug, "Faulty proxy '{Proxy}' updated: {Options}")]
    public static partial void Updated(ILogger logger, string proxy, string options);

    [LoggerMessage(103, LogLevel.Debug, "Faulty proxy '{Proxy}' stopped after {Connections} connection(s)")]
    public static partial void Stopped(ILogger logger, string proxy, long connections);

    [LoggerMessage(104, LogLevel.Debug, "Faulty proxy '{Proxy}' connection {Connection} from {Client}: fault {Fault}")]
    public static partial void Accepted(ILogger logger, string proxy, long connection, string client, FaultType fault);

    [LoggerMessage(105, LogLevel.Debug, "Faulty proxy '{Proxy}' connection {Connection}: refused with {Status} ({Reason})")]
    public static partial void Refused(ILogger logger, string proxy, long connection, int status, string reason);

    [LoggerMessage(106, LogLevel.Debug, "Faulty proxy '{Proxy}' connection {Connection}: target {Target} unreachable ({Error})")]
    public static partial void TargetUnreachable(ILogger logger, string proxy, long connection, string target, string error);

    [LoggerMessage(107, LogLevel.Debug, "Faulty proxy '{Proxy}' connection {Connection}: relaying to {Target}")]
    public static partial void Relaying(ILogger logger, string proxy, long connection, string target);

    [LoggerMessage(108, LogLevel.Debug, "Faulty proxy '{Proxy}' connection {Connection} ended: {Outcome}")]
    public static partial void Ended(ILogger logger, string proxy, long connection, string outcome);

    [LoggerMessage(109, LogLevel.Warning, "Faulty proxy '{Proxy}' connection {Connection} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception exception, string proxy, long connection);

    [LoggerMessage(110, LogLevel.Debug, "Faulty proxy '{Proxy}' could not accept a connection ({Error}); still listening")]
    public static partial void AcceptFailed(ILogger logger, string proxy, SocketError error);

    [LoggerMessage(111, LogLevel.Warning, "Faulty proxy '{Proxy}' stop gave up waiting for {Pending} connection(s)")]
    public static partial void StopTimedOut(ILogger logger, string proxy, int pending);
}
