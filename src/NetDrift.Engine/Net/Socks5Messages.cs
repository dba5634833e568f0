using System.Globalization;

namespace NetDrift.Engine.Net;

/// <summary>A client's greeting (RFC 1928 §3): which authentication methods it offers.</summary>
internal readonly record struct Socks5Greeting(bool OffersNoAuth, bool OffersUserPass);

/// <summary>A request (RFC 1928 §4): command and destination; <see cref="Host"/> as sent (IPv6 without brackets).</summary>
internal readonly record struct Socks5Request(byte Command, byte AddressType, string Host, int Port)
{
    /// <summary>host:port, IPv6 bracketed, as a CONNECT names its target.</summary>
    public string Authority => AddressType == Socks5Wire.AddressIPv6
        ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>A reply (RFC 1928 §6): the code and the bound address, of whichever type the server chose.</summary>
internal readonly record struct Socks5Reply(byte Code, byte AddressType, string BoundHost, int BoundPort);

/// <summary>An RFC 1929 login; its text form hides the password.</summary>
internal readonly record struct Socks5Login(string User, string Password)
{
    public override string ToString() => $"{User}:***";
}
