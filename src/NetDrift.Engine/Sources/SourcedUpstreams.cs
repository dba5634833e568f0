using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Sources;

/// <summary>
/// Which upstreams the pool should hold once sources are counted: the configured ones (or, after a
/// refresh, every active upstream that did not come from a source, so Add-NetDriftUpstream's stay)
/// followed by the sources' lists. The pool's own diff (<see cref="LivePool.Apply(IReadOnlyList{UpstreamConfig})"/>)
/// then joins, keeps and drains. Callers hold the reconfiguration lock.
/// </summary>
internal sealed class SourcedUpstreams(UpstreamSources sources) : IDisposable
{
    private HashSet<string> _fromSources = new(StringComparer.OrdinalIgnoreCase);
    private long _appliedVersion = -1;

    public UpstreamSources Sources => sources;

    /// <summary>True when a list changed since the pool last took them (a timer's refresh may be applying it right now).</summary>
    public bool HasUnapplied => Interlocked.Read(ref _appliedVersion) != sources.Version;

    /// <summary>The pool for <paramref name="config"/>: its upstreams, then its sources' (sources re-configured first).</summary>
    public IReadOnlyList<UpstreamConfig> For(NetDriftConfig config)
    {
        sources.Configure(config.UpstreamSources);
        return Join(config.UpstreamProxies);
    }

    /// <summary>The pool after a refresh: every active upstream not from a source, then the sources' lists.</summary>
    private List<UpstreamConfig> AfterRefresh(UpstreamPool pool) =>
        Join([.. pool.All.Where(u => u.State == UpstreamState.Active && !_fromSources.Contains(u.Name)).Select(u => u.Config)]);

    /// <summary>
    /// Applies the sources' current lists to <paramref name="pool"/> with its one diff: new ones join,
    /// unchanged ones keep their state, missing ones drain. Returns (and logs) the upstream changes.
    /// </summary>
    public IReadOnlyList<ConfigChange> ApplyRefreshed(LivePool pool, Action<Upstream> finishDraining, ILogger logger)
    {
        if (!HasUnapplied)
        {
            // Both a timer's refresh and Update-NetDriftConfig may come for the same change.
            return [];
        }
        var current = pool.Current;
        var before = current.All.Where(u => u.State == UpstreamState.Active).Select(u => u.Config).ToArray();
        var after = AfterRefresh(current);
        foreach (var upstream in pool.Apply(after))
        {
            finishDraining(upstream);
        }
        // Two configs that differ only in their upstreams: ConfigDiff names exactly the upstream changes.
        var changes = ConfigDiff.Compute(new NetDriftConfig { UpstreamProxies = before }, new NetDriftConfig { UpstreamProxies = after });
        foreach (var change in changes)
        {
            ProxyLog.ConfigChanged(logger, change.Kind, change.Scope, change.Name, change.Detail);
        }
        return changes;
    }

    public void Dispose() => sources.Dispose();

    private List<UpstreamConfig> Join(IReadOnlyList<UpstreamConfig> own)
    {
        Interlocked.Exchange(ref _appliedVersion, sources.Version);
        var listed = sources.Upstreams(own.Select(u => u.Name));
        _fromSources = new HashSet<string>(listed.Select(u => u.Name), StringComparer.OrdinalIgnoreCase);
        return [.. own, .. listed];
    }
}
