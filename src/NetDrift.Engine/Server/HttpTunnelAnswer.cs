using NetDrift.Engine.Http;

namespace NetDrift.Engine.Server;

/// <summary>A CONNECT client's answers: <c>200 Connection established</c>, or NetDrift's status response.</summary>
internal sealed class HttpTunnelAnswer : ITunnelClientAnswer
{
    public static readonly HttpTunnelAnswer Instance = new();

    public ValueTask EstablishedAsync(Transport client, string? upstreamName) =>
        client.SendAsync(StatusResponses.ConnectionEstablished(upstreamName).AsMemory());

    public Task RefuseAsync(Transport client, byte[] httpAnswer, int status, byte? socks5TargetCode) =>
        SocketAnswer.AnswerAndCloseAsync(client, httpAnswer);
}
