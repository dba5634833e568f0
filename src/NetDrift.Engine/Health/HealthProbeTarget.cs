using System.Globalization;

namespace NetDrift.Engine.Health;

/// <summary>
/// One health_check endpoint, parsed once per round into what a probe sends: the absolute-form
/// URL and Host of a GET (http), or the authority of a CONNECT (https, port 443 unless given).
/// Userinfo and fragment are dropped, so nothing secret reaches a log or a reason.
/// </summary>
public sealed class HealthProbeTarget
{
    /// <summary>The probe used when no endpoint is configured.</summary>
    public static readonly HealthProbeTarget TcpConnect = new(HealthProbeKind.TcpConnect, "", "", "TCP connect");

    private HealthProbeTarget(HealthProbeKind kind, string requestTarget, string host, string display)
    {
        Kind = kind;
        RequestTarget = requestTarget;
        Host = host;
        Display = display;
    }

    public HealthProbeKind Kind { get; }

    /// <summary>The GET's absolute-form URL, or the CONNECT's host:port.</summary>
    public string RequestTarget { get; }

    /// <summary>The Host header value (the authority, default port omitted for http).</summary>
    public string Host { get; }

    /// <summary>What the probe does, for logs and health reasons: <c>GET http://…</c>, <c>CONNECT host:443</c>.</summary>
    public string Display { get; }

    /// <summary>Parses an http:// or https:// endpoint; null for anything else.</summary>
    public static HealthProbeTarget? Parse(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return null;
        }
        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            var url = uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);
            var host = uri.GetComponents(UriComponents.Host | UriComponents.Port, UriFormat.UriEscaped);
            return new HealthProbeTarget(HealthProbeKind.HttpGet, url, host, "GET " + url);
        }
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            // Uri reports 443 for https without a port, the explicit port otherwise.
            var authority = uri.GetComponents(UriComponents.Host, UriFormat.UriEscaped) + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
            return new HealthProbeTarget(HealthProbeKind.Connect, authority, authority, "CONNECT " + authority);
        }
        return null;
    }

    /// <summary>The configured endpoints that parse, in order; empty means TCP connect probes.</summary>
    public static IReadOnlyList<HealthProbeTarget> ParseAll(IReadOnlyList<string> endpoints)
    {
        var targets = new List<HealthProbeTarget>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            if (Parse(endpoint) is { } target)
            {
                targets.Add(target);
            }
        }
        return targets;
    }

    public override string ToString() => Display;
}
