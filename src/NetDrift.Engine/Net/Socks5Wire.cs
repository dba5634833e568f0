using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetDrift.Engine.Net;

/// <summary>
/// The SOCKS5 wire format (RFC 1928, RFC 1929 username/password): every message NetDrift sends or
/// reads on either side, built and parsed here and nowhere else. Pure; parsing never throws on
/// input: a message is <see cref="Socks5ParseStatus.Complete"/> (with its length), needs more bytes,
/// or is invalid.
/// </summary>
internal static class Socks5Wire
{
    public const byte Version = 0x05;
    public const byte MethodNoAuth = 0x00;
    public const byte MethodUserPass = 0x02;
    public const byte MethodNoneAcceptable = 0xFF;
    public const byte UserPassVersion = 0x01;
    public const byte CommandConnect = 0x01;
    public const byte CommandBind = 0x02;
    public const byte CommandUdpAssociate = 0x03;
    public const byte AddressIPv4 = 0x01;
    public const byte AddressDomain = 0x03;
    public const byte AddressIPv6 = 0x04;

    /// <summary>The client's greeting: username/password when it has credentials, else no authentication.</summary>
    public static byte[] Greeting(bool userPass) => [Version, 1, userPass ? MethodUserPass : MethodNoAuth];

    public static Socks5ParseStatus TryParseGreeting(ReadOnlySpan<byte> data, out int length, out Socks5Greeting greeting)
    {
        length = 0;
        greeting = default;
        if (data.Length < 2)
        {
            return data.Length == 1 && data[0] != Version ? Socks5ParseStatus.Invalid : Socks5ParseStatus.NeedMore;
        }
        if (data[0] != Version || data[1] == 0)
        {
            return Socks5ParseStatus.Invalid;
        }
        var count = data[1];
        if (data.Length < 2 + count)
        {
            return Socks5ParseStatus.NeedMore;
        }
        var methods = data.Slice(2, count);
        greeting = new Socks5Greeting(methods.Contains(MethodNoAuth), methods.Contains(MethodUserPass));
        length = 2 + count;
        return Socks5ParseStatus.Complete;
    }

    public static byte[] MethodSelection(byte method) => [Version, method];

    public static Socks5ParseStatus TryParseMethodSelection(ReadOnlySpan<byte> data, out int length, out byte method)
    {
        length = 2;
        method = 0;
        if (data.Length > 0 && data[0] != Version)
        {
            return Socks5ParseStatus.Invalid;
        }
        if (data.Length < 2)
        {
            return Socks5ParseStatus.NeedMore;
        }
        method = data[1];
        return Socks5ParseStatus.Complete;
    }

    /// <summary>RFC 1929 request; null when a name or password is longer than 255 bytes (UTF-8).</summary>
    public static byte[]? UserPassRequest(string user, string password)
    {
        var name = Encoding.UTF8.GetBytes(user);
        var secret = Encoding.UTF8.GetBytes(password);
        if (name.Length is 0 or > 255 || secret.Length > 255)
        {
            return null;
        }
        var message = new byte[3 + name.Length + secret.Length];
        message[0] = UserPassVersion;
        message[1] = (byte)name.Length;
        name.CopyTo(message, 2);
        message[2 + name.Length] = (byte)secret.Length;
        secret.CopyTo(message, 3 + name.Length);
        return message;
    }

    public static Socks5ParseStatus TryParseUserPassRequest(ReadOnlySpan<byte> data, out int length, out Socks5Login login)
    {
        length = 0;
        login = default;
        if (data.Length > 0 && data[0] != UserPassVersion)
        {
            return Socks5ParseStatus.Invalid;
        }
        if (data.Length < 2)
        {
            return Socks5ParseStatus.NeedMore;
        }
        var nameLength = data[1];
        if (nameLength == 0)
        {
            return Socks5ParseStatus.Invalid;
        }
        if (data.Length < 3 + nameLength)
        {
            return Socks5ParseStatus.NeedMore;
        }
        var secretLength = data[2 + nameLength];
        if (data.Length < 3 + nameLength + secretLength)
        {
            return Socks5ParseStatus.NeedMore;
        }
        // Invalid UTF-8 becomes U+FFFD: such a name matches no user, which is the right answer.
        login = new Socks5Login(Encoding.UTF8.GetString(data.Slice(2, nameLength)), Encoding.UTF8.GetString(data.Slice(3 + nameLength, secretLength)));
        length = 3 + nameLength + secretLength;
        return Socks5ParseStatus.Complete;
    }

    public static byte[] UserPassStatus(bool accepted) => [UserPassVersion, accepted ? (byte)0 : (byte)1];

    public static Socks5ParseStatus TryParseUserPassStatus(ReadOnlySpan<byte> data, out int length, out bool accepted)
    {
        length = 2;
        accepted = false;
        if (data.Length > 0 && data[0] != UserPassVersion)
        {
            return Socks5ParseStatus.Invalid;
        }
        if (data.Length < 2)
        {
            return Socks5ParseStatus.NeedMore;
        }
        accepted = data[1] == 0;
        return Socks5ParseStatus.Complete;
    }

    /// <summary>
    /// A CONNECT to <paramref name="host"/>: IP literals as addresses, anything else as a domain name
    /// for the server to resolve (NetDrift never resolves targets). Null for a name over 255 bytes.
    /// </summary>
    public static byte[]? ConnectRequest(string host, int port)
    {
        var literal = host.Trim('[', ']');
        if (IPAddress.TryParse(literal, out var ip) && (host.Contains(':') || IsDottedQuad(host)))
        {
            return WithAddress([Version, CommandConnect, 0], ip, port);
        }
        var name = Encoding.ASCII.GetBytes(host);
        if (name.Length is 0 or > 255)
        {
            return null;
        }
        return WithDomain(CommandConnect, name, port);
    }

    public static Socks5ParseStatus TryParseRequest(ReadOnlySpan<byte> data, out int length, out Socks5Request request)
    {
        request = default;
        var status = TryParseAddressed(data, out length, out var command, out var type, out var host, out var port);
        if (status == Socks5ParseStatus.Complete)
        {
            request = new Socks5Request(command, type, host, port);
        }
        return status;
    }

    /// <summary>A reply with an all-zero IPv4 bound address (what NetDrift sends: it has nothing useful to say there).</summary>
    public static byte[] Reply(byte code) => WithAddress([Version, code, 0], IPAddress.Any, 0);

    /// <summary>A reply with the bound address <paramref name="bound"/>, of its family.</summary>
    public static byte[] Reply(byte code, IPAddress bound, int port) => WithAddress([Version, code, 0], bound, port);

    /// <summary>A reply with a domain name as the bound address.</summary>
    public static byte[] Reply(byte code, string boundName, int port)
    {
        return WithDomain(code, Encoding.ASCII.GetBytes(boundName), port);
    }

    /// <summary>VER, <paramref name="second"/> (a command or a reply code), RSV, a domain address and a port.</summary>
    private static byte[] WithDomain(byte second, byte[] name, int port)
    {
        var message = new byte[7 + name.Length];
        message[0] = Version;
        message[1] = second;
        message[3] = AddressDomain;
        message[4] = (byte)name.Length;
        name.CopyTo(message, 5);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(5 + name.Length), (ushort)port);
        return message;
    }

    public static Socks5ParseStatus TryParseReply(ReadOnlySpan<byte> data, out int length, out Socks5Reply reply)
    {
        reply = default;
        var status = TryParseAddressed(data, out length, out var code, out var type, out var host, out var port);
        if (status == Socks5ParseStatus.Complete)
        {
            reply = new Socks5Reply(code, type, host, port);
        }
        return status;
    }

    /// <summary>VER, a code (command or reply), RSV, then an address and port: the shape requests and replies share.</summary>
    private static Socks5ParseStatus TryParseAddressed(ReadOnlySpan<byte> data, out int length, out byte code, out byte type, out string host, out int port)
    {
        length = 0;
        code = type = 0;
        host = "";
        port = 0;
        if (data.Length > 0 && data[0] != Version)
        {
            return Socks5ParseStatus.Invalid;
        }
        if (data.Length < 5)
        {
            return Socks5ParseStatus.NeedMore;
        }
        code = data[1];
        type = data[3];
        int addressLength;
        int addressStart = 4;
        switch (type)
        {
            case AddressIPv4:
                addressLength = 4;
                break;
            case AddressIPv6:
                addressLength = 16;
                break;
            case AddressDomain:
                addressLength = data[4];
                addressStart = 5;
                if (addressLength == 0)
                {
                    return Socks5ParseStatus.Invalid;
                }
                break;
            default:
                return Socks5ParseStatus.Invalid;
        }
        var total = addressStart + addressLength + 2;
        if (data.Length < total)
        {
            return Socks5ParseStatus.NeedMore;
        }
        var address = data.Slice(addressStart, addressLength);
        if (type == AddressDomain)
        {
            if (!IsHostName(address))
            {
                return Socks5ParseStatus.Invalid;
            }
            host = Encoding.ASCII.GetString(address);
        }
        else
        {
            host = new IPAddress(address).ToString();
        }
        port = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(addressStart + addressLength, 2));
        length = total;
        return Socks5ParseStatus.Complete;
    }

    /// <summary>
    /// Letters, digits, '-', '_' and '.': what a host name may hold. Anything else (a space, CR, LF,
    /// ':') could smuggle text into the CONNECT head NetDrift writes to an HTTP upstream.
    /// </summary>
    private static bool IsHostName(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (!(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDottedQuad(string host) => host.Count(c => c == '.') == 3;

    private static byte[] WithAddress(byte[] prefix, IPAddress address, int port)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        var message = new byte[prefix.Length + 1 + bytes.Length + 2];
        prefix.CopyTo(message, 0);
        message[prefix.Length] = address.AddressFamily == AddressFamily.InterNetworkV6 ? AddressIPv6 : AddressIPv4;
        bytes.CopyTo(message, prefix.Length + 1);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(prefix.Length + 1 + bytes.Length), (ushort)port);
        return message;
    }
}
