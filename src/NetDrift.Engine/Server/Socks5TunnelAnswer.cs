using NetDrift.Engine.Http;
using NetDrift.Engine.Net;

namespace NetDrift.Engine.Server;

/// <summary>A SOCKS5 client's answers: reply 0x00, or NetDrift's status as a reply code (<see cref="Socks5ReplyForStatus"/>).</summary>
internal sealed class Socks5TunnelAnswer : ITunnelClientAnswer
{
    public static readonly Socks5TunnelAnswer Instance = new();

    private static readonly byte[] Succeeded = Socks5Wire.Reply(Socks5ReplyCode.Succeeded);

    public ValueTask EstablishedAsync(Transport client, string? upstreamName) =>
        client.SendAsync(Succeeded.AsMemory());

    public Task RefuseAsync(Transport client, byte[] httpAnswer, int status, byte? socks5TargetCode) =>
        SocketAnswer.AnswerAndCloseAsync(client, Socks5Wire.Reply(Socks5ReplyForStatus.Of(status, socks5TargetCode)));
}
