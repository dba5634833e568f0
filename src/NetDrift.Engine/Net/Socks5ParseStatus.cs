namespace NetDrift.Engine.Net;

/// <summary>How far a SOCKS5 message parse got: whole, not yet whole (read more), or never valid.</summary>
internal enum Socks5ParseStatus
{
    Complete,
    NeedMore,
    Invalid,
}
