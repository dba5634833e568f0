using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Upstreams;

/// <summary>How NetDrift speaks to an upstream, from its URL scheme (CONTRACT §8, <c>UpstreamInfo.Protocol</c>).</summary>
public enum UpstreamProtocol
{
    Http,
    Https,
    Socks5,
}

public static class UpstreamProtocols
{
    public static UpstreamProtocol Of(UpstreamAddress url) => url.Scheme switch
    {
        "https" => UpstreamProtocol.Https,
        "socks5" or "socks5h" => UpstreamProtocol.Socks5,
        _ => UpstreamProtocol.Http,
    };
}
