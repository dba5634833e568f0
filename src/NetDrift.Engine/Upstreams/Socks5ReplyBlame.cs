using NetDrift.Engine.Net;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// Whose fault a SOCKS5 upstream's refusal is (CONTRACT §7): the four codes that speak of the
/// target (network or host unreachable, refused, TTL) are the target's; every other code is the
/// upstream's. With the HTTP status an HTTP client hears when every attempt failed for the target.
/// </summary>
internal static class Socks5ReplyBlame
{
    public static FailureCause Of(byte code) => code switch
    {
        Socks5ReplyCode.NetworkUnreachable or Socks5ReplyCode.HostUnreachable
            or Socks5ReplyCode.ConnectionRefused or Socks5ReplyCode.TtlExpired => FailureCause.TargetUnreachable,
        _ => FailureCause.UpstreamStatus,
    };

    /// <summary>The status standing for a target code in the attempt loop: a TTL is a timeout, the rest are bad gateways.</summary>
    public static int TargetStatus(byte code) => code == Socks5ReplyCode.TtlExpired ? 504 : 502;
}
