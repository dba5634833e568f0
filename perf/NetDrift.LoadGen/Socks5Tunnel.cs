using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>--protocol socks5</c>: the tunnel is opened as a SOCKS5 client would (RFC 1928, RFC 1929 with
/// --user/--password), every message sent at once and the answers read after, as fast clients pipeline them.
/// </summary>
internal static class Socks5Tunnel
{
    /// <summary>Greeting (one method), the login when given, and a CONNECT to the IPv4 <paramref name="target"/>.</summary>
    public static byte[] Request(string target, string? user, string? password)
    {
        var colon = target.LastIndexOf(':');
        var address = IPAddress.Parse(target[..colon]).GetAddressBytes();
        var port = int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var bytes = new List<byte> { 0x05, 0x01, user is null ? (byte)0x00 : (byte)0x02 };
        if (user is not null)
        {
            var name = Encoding.UTF8.GetBytes(user);
            var secret = Encoding.UTF8.GetBytes(password!);
            bytes.Add(0x01);
            bytes.Add((byte)name.Length);
            bytes.AddRange(name);
            bytes.Add((byte)secret.Length);
            bytes.AddRange(secret);
        }
        bytes.AddRange([0x05, 0x01, 0x00, 0x01, .. address, (byte)(port >> 8), (byte)port]);
        return bytes.ToArray();
    }

    /// <summary>Reads the method choice, the login status when one was sent, and an IPv4-bound reply; any refusal is a failure.</summary>
    public static async ValueTask ReadAnswersAsync(Socket socket, byte[] request, CancellationToken cancellation)
    {
        var login = request[2] == 0x02;
        var answer = new byte[2 + (login ? 2 : 0) + 10];
        var filled = 0;
        while (filled < answer.Length)
        {
            var read = await socket.ReceiveAsync(answer.AsMemory(filled), SocketFlags.None, cancellation);
            if (read == 0)
            {
                throw new LoadFailure("socks5 closed");
            }
            filled += read;
        }
        var reply = login ? 4 : 2;
        if (answer[1] != request[2] || (login && answer[3] != 0) || answer[reply + 1] != 0 || answer[reply + 3] != 0x01)
        {
            throw new LoadFailure("socks5 refused");
        }
    }
}
