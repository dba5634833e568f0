namespace NetDrift.Engine.Net;

/// <summary>The reply codes of RFC 1928 §6, and their names for messages.</summary>
internal static class Socks5ReplyCode
{
    public const byte Succeeded = 0x00;
    public const byte GeneralFailure = 0x01;
    public const byte NotAllowed = 0x02;
    public const byte NetworkUnreachable = 0x03;
    public const byte HostUnreachable = 0x04;
    public const byte ConnectionRefused = 0x05;
    public const byte TtlExpired = 0x06;
    public const byte CommandNotSupported = 0x07;
    public const byte AddressTypeNotSupported = 0x08;

    public static string Describe(byte code) => code switch
    {
        Succeeded => "0x00 succeeded",
        GeneralFailure => "0x01 general failure",
        NotAllowed => "0x02 not allowed by ruleset",
        NetworkUnreachable => "0x03 network unreachable",
        HostUnreachable => "0x04 host unreachable",
        ConnectionRefused => "0x05 connection refused",
        TtlExpired => "0x06 TTL expired",
        CommandNotSupported => "0x07 command not supported",
        AddressTypeNotSupported => "0x08 address type not supported",
        _ => $"0x{code:x2} (unassigned)",
    };
}
