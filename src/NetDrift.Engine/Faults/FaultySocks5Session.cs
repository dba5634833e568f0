using NetDrift.Engine.Http;
using NetDrift.Engine.Net;

namespace NetDrift.Engine.Faults;

/// <summary>
/// A faulty proxy speaking SOCKS5 (<see cref="FaultyProxyProtocol.Socks5"/>): greeting, RFC 1929
/// login when it has credentials, a CONNECT; then each fault as its HTTP meaning says, in reply
/// codes: BadGateway is the target's fault (0x04 host unreachable), InternalError a general
/// failure (0x01), Status the reply code <see cref="FaultyProxyOptions.StatusCode"/> when under
/// 256 (else 0x01), Garbage bytes that are not SOCKS5, Reset a reset after the request; None,
/// Slow and Drop relay to the target as the HTTP side does.
/// </summary>
internal static class FaultySocks5Session
{
    private static readonly byte[] NoAcceptableMethod = Socks5Wire.MethodSelection(Socks5Wire.MethodNoneAcceptable);

    /// <returns>How the connection ended, for the log.</returns>
    public static async Task<string> RunAsync(FaultyConnection connection, FaultType fault, TimeSpan headTimeout, Func<TimeSpan, Task> delay, Action reset, Func<byte[]> garbage)
    {
        var options = connection.Options;
        var client = connection.Client;
        Socks5Request request;
        byte[] leftover;
        using (var input = new SocketInput(client))
        using (var due = CancellationTokenSource.CreateLinkedTokenSource(connection.Stopping))
        {
            due.CancelAfter(headTimeout);
            var (greetingStatus, greeting) = await Socks5Reader.ReadAsync<Socks5Greeting>(input, Socks5Wire.TryParseGreeting, expectSoon: true, due.Token).ConfigureAwait(false);
            if (greetingStatus != Socks5ReadStatus.Complete)
            {
                return $"no SOCKS5 greeting ({greetingStatus})";
            }
            var useLogin = options.RequiresAuthentication || !greeting.OffersNoAuth;
            if ((useLogin && !greeting.OffersUserPass) || (!useLogin && !greeting.OffersNoAuth))
            {
                await connection.AnswerAndCloseAsync(NoAcceptableMethod).ConfigureAwait(false);
                return "answered no acceptable method";
            }
            await client.SendAsync(Socks5Wire.MethodSelection(useLogin ? Socks5Wire.MethodUserPass : Socks5Wire.MethodNoAuth), System.Net.Sockets.SocketFlags.None, due.Token).ConfigureAwait(false);
            if (useLogin)
            {
                var (loginStatus, login) = await Socks5Reader.ReadAsync<Socks5Login>(input, Socks5Wire.TryParseUserPassRequest, expectSoon: true, due.Token).ConfigureAwait(false);
                if (loginStatus != Socks5ReadStatus.Complete)
                {
                    return $"no SOCKS5 login ({loginStatus})";
                }
                var accepted = !options.RequiresAuthentication
                    || new BasicCredentials(login.User, login.Password).FixedTimeEquals(new BasicCredentials(options.UserName!, options.Password!));
                if (!accepted)
                {
                    FaultyProxyLog.Refused(connection.Logger, connection.ProxyName, connection.Id, 407, "wrong SOCKS5 credentials");
                    await connection.AnswerAndCloseAsync(Socks5Wire.UserPassStatus(accepted: false)).ConfigureAwait(false);
                    return "answered SOCKS5 auth failure";
                }
                await client.SendAsync(Socks5Wire.UserPassStatus(accepted: true), System.Net.Sockets.SocketFlags.None, due.Token).ConfigureAwait(false);
            }
            var (requestStatus, parsed) = await Socks5Reader.ReadAsync<Socks5Request>(input, Socks5Wire.TryParseRequest, expectSoon: true, due.Token).ConfigureAwait(false);
            if (requestStatus != Socks5ReadStatus.Complete)
            {
                return $"no SOCKS5 request ({requestStatus})";
            }
            request = parsed;
            leftover = input.Buffered.ToArray();
        }

        if (fault == FaultType.Reset)
        {
            reset();
            return "reset after the request";
        }
        if (request.Command != Socks5Wire.CommandConnect)
        {
            return await AnswerAsync(connection, Socks5ReplyCode.CommandNotSupported).ConfigureAwait(false);
        }
        if (fault == FaultType.Slow)
        {
            await delay(options.Latency).ConfigureAwait(false);
        }
        switch (fault)
        {
            case FaultType.BadGateway:
                return await AnswerAsync(connection, Socks5ReplyCode.HostUnreachable).ConfigureAwait(false);
            case FaultType.InternalError:
                return await AnswerAsync(connection, Socks5ReplyCode.GeneralFailure).ConfigureAwait(false);
            case FaultType.Status:
                return await AnswerAsync(connection, options.StatusCode < 256 ? (byte)options.StatusCode : Socks5ReplyCode.GeneralFailure).ConfigureAwait(false);
            case FaultType.Garbage:
                var bytes = garbage();
                // Never a byte that could begin a reply: garbage must be garbage.
                bytes[0] = (byte)'G';
                await connection.AnswerAndCloseAsync(bytes).ConfigureAwait(false);
                return "answered garbage";
        }
        var target = new RequestHead
        {
            Method = "CONNECT", Target = request.Authority, Version = "HTTP/1.1", Form = RequestTargetForm.Authority,
            Headers = HttpHeaders.Empty, Host = request.Host, Port = request.Port,
        };
        return await TargetForwarder.ForwardAsync(connection, target, leftover, fault,
            established: Socks5Wire.Reply(Socks5ReplyCode.Succeeded), unreachable: Socks5Wire.Reply(Socks5ReplyCode.HostUnreachable)).ConfigureAwait(false);
    }

    private static async Task<string> AnswerAsync(FaultyConnection connection, byte code)
    {
        await connection.AnswerAndCloseAsync(Socks5Wire.Reply(code)).ConfigureAwait(false);
        return "answered SOCKS5 " + Socks5ReplyCode.Describe(code);
    }
}
