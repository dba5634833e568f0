using NetDrift.Engine.Net;

namespace NetDrift.Engine.Server;

/// <summary>
/// NetDrift's own refusals as SOCKS5 replies (CONTRACT §8): 403 → not allowed, 502 → host
/// unreachable (or the upstream's own target code, when it gave one), 503 → general failure,
/// 504 → TTL expired; anything else (429...) → not allowed when it is a refusal of the client, else general failure.
/// </summary>
internal static class Socks5ReplyForStatus
{
    public static byte Of(int status, byte? upstreamTargetCode = null) => status switch
    {
        403 or 429 => Socks5ReplyCode.NotAllowed,
        502 => upstreamTargetCode ?? Socks5ReplyCode.HostUnreachable,
        504 => upstreamTargetCode ?? Socks5ReplyCode.TtlExpired,
        _ => Socks5ReplyCode.GeneralFailure,
    };
}
