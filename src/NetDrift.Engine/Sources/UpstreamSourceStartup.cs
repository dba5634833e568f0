using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Sources;

/// <summary>
/// A proxy's first read of its sources, before its listener opens, so the first client already
/// sees the listed upstreams. A source that fails does not fail the start: the proxy starts with
/// what it has (its configured upstreams, the other sources) and a <see cref="SourceError"/>, and
/// the refresh keeps trying, so a list server that is down at boot does not keep a service down.
/// </summary>
internal static class UpstreamSourceStartup
{
    public static SourcedUpstreams LoadFirst(NetDriftConfig config, TimeProvider time, ILogger logger)
    {
        var sources = new UpstreamSources(config.UpstreamSources, time, logger,
            new UpstreamListFetcher(EngineDefaults.SourceFetchTimeout, EngineDefaults.MaxSourceBytes));
        if (config.UpstreamSources.Count > 0)
        {
            // The constructor that calls this is synchronous; every await below runs without a
            // synchronization context, and each read is bounded by SourceFetchTimeout.
            sources.RefreshAsync(CancellationToken.None).ConfigureAwait(false).GetAwaiter().GetResult();
        }
        return new SourcedUpstreams(sources);
    }
}
