using System.Net;
using System.Net.Sockets;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// Checks that every upstream host name resolves, so a template with placeholder hosts
/// (<c>test-proxy-1</c>, <c>your-proxy-server</c>) is refused at start with the field named,
/// rather than starting with a pool that fails every request.
/// </summary>
public static class UpstreamHostCheck
{
    public static async Task<IReadOnlyList<ConfigError>> FindUnresolvableAsync(NetDriftConfig config, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var checks = config.UpstreamProxies
            .Select((upstream, index) => (upstream, index))
            .Where(x => !IPAddress.TryParse(x.upstream.Url.Host, out _))
            .Select(async x => await ResolvesAsync(x.upstream.Url.Host, timeout, cancellationToken).ConfigureAwait(false)
                ? null
                : new ConfigError($"upstream_proxies[{x.index}].url", null,
                    $"host '{x.upstream.Url.Host}' does not resolve (a placeholder? put the real proxy address here)"))
            .ToArray();
        var results = await Task.WhenAll(checks).ConfigureAwait(false);
        return results.Where(e => e is not null).ToArray()!;
    }

    private static async Task<bool> ResolvesAsync(string host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, deadline.Token).ConfigureAwait(false);
            return addresses.Length > 0;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
