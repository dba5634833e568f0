using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Net;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// The SOCKS5 client side of <see cref="TunnelProbe"/>: greeting (username/password when given
/// credentials), login, CONNECT. A succeeded tunnel reports status 200, as an HTTP one does; a
/// refused one reports the reply code itself, and an error that names it.
/// </summary>
internal static class Socks5ProbeHandshake
{
    /// <returns>The status (200, a reply code, or 0 when the proxy did not get that far) and the error, empty on success.</returns>
    public static async Task<(int Status, string Error)> RunAsync(Socket socket, SocketInput input, string target, BasicCredentials? credentials, CancellationToken cancellationToken)
    {
        var login = credentials is { } c ? Socks5Wire.UserPassRequest(c.UserName, c.Password) : null;
        if (!HeadParser.TryParseAuthority(target, out var host, out var port) || Socks5Wire.ConnectRequest(host, port) is not { } request)
        {
            return (0, $"'{target}' cannot be named in a SOCKS5 request");
        }
        await socket.SendAsync(Socks5Wire.Greeting(login is not null), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var (status, method) = await Socks5Reader.ReadAsync<byte>(input, Socks5Wire.TryParseMethodSelection, expectSoon: true, cancellationToken).ConfigureAwait(false);
        if (status != Socks5ReadStatus.Complete)
        {
            return (0, Unanswered(status));
        }
        if (method == Socks5Wire.MethodNoneAcceptable)
        {
            return (0, login is null ? "the SOCKS5 proxy wants credentials" : "the SOCKS5 proxy accepts none of the methods offered");
        }
        if (method == Socks5Wire.MethodUserPass && login is not null)
        {
            await socket.SendAsync(login, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var (loginStatus, accepted) = await Socks5Reader.ReadAsync<bool>(input, Socks5Wire.TryParseUserPassStatus, expectSoon: true, cancellationToken).ConfigureAwait(false);
            if (loginStatus != Socks5ReadStatus.Complete)
            {
                return (0, Unanswered(loginStatus));
            }
            if (!accepted)
            {
                return (0, "the SOCKS5 proxy refused the credentials");
            }
        }
        else if (method != Socks5Wire.MethodNoAuth)
        {
            return (0, $"the SOCKS5 proxy chose method 0x{method:x2}, which was not offered");
        }
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var (replyStatus, reply) = await Socks5Reader.ReadAsync<Socks5Reply>(input, Socks5Wire.TryParseReply, expectSoon: true, cancellationToken).ConfigureAwait(false);
        if (replyStatus != Socks5ReadStatus.Complete)
        {
            return (0, Unanswered(replyStatus));
        }
        return reply.Code == Socks5ReplyCode.Succeeded
            ? (200, "")
            : (reply.Code, "the proxy answered SOCKS5 " + Socks5ReplyCode.Describe(reply.Code));
    }

    private static string Unanswered(Socks5ReadStatus status) => status == Socks5ReadStatus.Closed
        ? "the SOCKS5 proxy closed without answering"
        : "the proxy answered with something that is not SOCKS5";
}
