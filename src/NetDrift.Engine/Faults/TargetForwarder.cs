using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Faults;

/// <summary>
/// The faulty proxy's honest part: dials the target a request names and relays to it. CONNECT gets
/// <c>200 Connection established</c> and a two-way tunnel; absolute-form plain HTTP goes to the
/// origin in origin-form and ends when the origin closes. <see cref="FaultType.Slow"/> and
/// <see cref="FaultType.Drop"/> shape that relay; everything else relays as a healthy proxy would.
/// </summary>
internal static class TargetForwarder
{
    private static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(10);

    /// <returns>How the connection ended, for the log.</returns>
    /// <param name="established">The tunnel's go-ahead (SOCKS5: reply 0x00); default <c>200 Connection established</c>.</param>
    /// <param name="unreachable">The answer when the target cannot be reached; default a 502.</param>
    public static async Task<string> ForwardAsync(FaultyConnection connection, RequestHead request, byte[] leftover, FaultType fault,
        byte[]? established = null, byte[]? unreachable = null)
    {
        if (request.Form is not (RequestTargetForm.Authority or RequestTargetForm.Absolute))
        {
            FaultyProxyLog.Refused(connection.Logger, connection.ProxyName, connection.Id, 400, "not a proxy request");
            await connection.AnswerAndCloseAsync(FaultResponses.NotAProxyRequest).ConfigureAwait(false);
            return "answered 400";
        }
        var upstream = await DialAsync(connection, request).ConfigureAwait(false);
        if (upstream is null)
        {
            await connection.AnswerAndCloseAsync(unreachable ?? FaultResponses.TargetUnreachable).ConfigureAwait(false);
            return "answered 502 (target unreachable)";
        }

        var client = connection.ClientTransport;
        var plain = !request.IsConnect;
        if (plain)
        {
            await upstream.SendAsync(OriginFormRequest.Build(request), SocketFlags.None, connection.Stopping).ConfigureAwait(false);
        }
        else
        {
            await client.SendAsync(established ?? StatusResponses.ConnectionEstablished(null), connection.Stopping).ConfigureAwait(false);
        }

        var options = connection.Options;
        var activity = new TunnelActivity(client.Socket, upstream);
        var budget = fault == FaultType.Drop ? new ByteBudget(options.AfterBytes) : null;
        var bytesPerSecond = fault == FaultType.Slow ? options.BytesPerSecond : 0;
        // Bytes the client sent right behind its head (a TLS ClientHello, a body) are relayed bytes too.
        var early = budget?.Take(leftover.Length) ?? leftover.Length;
        if (early > 0)
        {
            await upstream.SendAsync(leftover.AsMemory(0, early), SocketFlags.None, connection.Stopping).ConfigureAwait(false);
        }
        if (budget is { IsSpent: true })
        {
            activity.Abort(RelayResult.Aborted);
            return $"dropped after {options.AfterBytes} byte(s)";
        }

        FaultyProxyLog.Relaying(connection.Logger, connection.ProxyName, connection.Id, request.Authority);
        RelayResult result;
        if (budget is null && bytesPerSecond == 0)
        {
            result = await TunnelRelay.RunAsync(client, upstream, activity, NullByteCounter.Instance, endWithUpstream: plain).ConfigureAwait(false);
        }
        else
        {
            var (toUpstream, toClient) = FaultShaper.Pair(bytesPerSecond, budget, connection.Stopping);
            result = await TunnelRelay.RunShapedAsync(client, upstream, activity, NullByteCounter.Instance, toUpstream, toClient, endWithUpstream: plain).ConfigureAwait(false);
        }
        return budget is { IsSpent: true } ? $"dropped after {options.AfterBytes} byte(s)" : $"relay {result}";
    }

    /// <returns>The connected socket, or null (logged) when the target cannot be reached in time.</returns>
    private static async Task<Socket?> DialAsync(FaultyConnection connection, RequestHead request)
    {
        // Dual-mode where the OS has IPv6, so a host name may resolve to either family.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        connection.AttachUpstream(socket);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(connection.Stopping);
        deadline.CancelAfter(DialTimeout);
        string error;
        try
        {
            await socket.ConnectAsync(request.Host, request.Port, deadline.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!connection.Stopping.IsCancellationRequested)
        {
            error = "dial timed out";
        }
        catch (SocketException e)
        {
            error = e.SocketErrorCode.ToString();
        }
        FaultyProxyLog.TargetUnreachable(connection.Logger, connection.ProxyName, connection.Id, request.Authority, error);
        return null;
    }
}
