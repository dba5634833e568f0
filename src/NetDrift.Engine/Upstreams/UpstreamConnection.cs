using System.Net.Sockets;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// A connection to an upstream proxy, as the connection layer hands it out: the socket (TLS over it
/// for <c>https://</c>) and its read
/// side (bytes after an answer head stay buffered there). Between plain HTTP requests an idle one
/// waits in the upstream's <see cref="UpstreamConnectionPool"/>.
/// </summary>
public sealed class UpstreamConnection : IDisposable
{
    public UpstreamConnection(Socket socket, SocketInput input, string credentialsVersion)
    {
        Socket = socket;
        Input = input;
        CredentialsVersion = credentialsVersion;
    }

    public Socket Socket { get; }

    public SocketInput Input { get; }

    /// <summary>How bytes move to the upstream: the socket, or TLS over it (<c>https://</c>).</summary>
    public Transport Transport => Input.Transport;

    /// <summary>The upstream address and credentials it was opened with: a config change retires it.</summary>
    public string CredentialsVersion { get; }

    public long IdleSinceMilliseconds { get; set; }

    /// <summary>
    /// True when the peer has already closed or sent something unasked (an idle connection must be
    /// silent): readable with nothing to read means FIN; readable with bytes means garbage.
    /// </summary>
    public bool LooksDead()
    {
        try
        {
            return Input.BufferedCount > 0 || Socket.Poll(0, SelectMode.SelectRead) || !Socket.Connected;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        Input.Dispose();
        Transport.Tls?.Dispose();
        Socket.Dispose();
    }
}
