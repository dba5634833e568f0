using Microsoft.Extensions.Logging.Abstractions;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Sources;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Sources;

/// <summary>The pool a refresh asks for, applied once per change whoever comes first.</summary>
public sealed class SourcedUpstreamsTests
{
    [Fact]
    public async Task ApplyRefreshed_AChangeReadButNotApplied_IsAppliedOnce()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("p.txt", "http://10.0.0.1:3128\n");
        var config = SourceTestConfig.Parse($$"""{ "path": "{{list}}" }""", """{ "url": "http://10.0.0.9:3128", "name": "own" }""");
        using var sourced = new SourcedUpstreams(new UpstreamSources(config.UpstreamSources, TimeProvider.System, NullLogger.Instance,
            new UpstreamListFetcher(TimeSpan.FromSeconds(5), 4096)));
        await sourced.Sources.RefreshAsync(CancellationToken.None);
        var pool = new LivePool(sourced.For(config), TimeProvider.System, NullLogger.Instance);
        Assert.False(sourced.HasUnapplied);

        File.WriteAllText(list, "http://10.0.0.2:3128\n");
        await sourced.Sources.RefreshAsync(CancellationToken.None);
        Assert.True(sourced.HasUnapplied);

        var changes = sourced.ApplyRefreshed(pool, pool.TryFinishDraining, NullLogger.Instance);

        Assert.Equal(["Added 10.0.0.2:3128", "Removed 10.0.0.1:3128"], changes.Select(c => $"{c.Kind} {c.Name}").Order(StringComparer.Ordinal));
        Assert.Equal(["10.0.0.2:3128", "own"], pool.Current.All.Select(u => u.Name).Order(StringComparer.Ordinal));
        Assert.False(sourced.HasUnapplied);
        Assert.Empty(sourced.ApplyRefreshed(pool, pool.TryFinishDraining, NullLogger.Instance));
    }

    [Fact]
    public async Task Refresh_UnchangedList_LeavesNothingToApply()
    {
        using var folder = new SourceTestConfig.TempFolder();
        var list = folder.File("p.txt", "http://10.0.0.1:3128\n");
        var config = SourceTestConfig.Parse($$"""{ "path": "{{list}}" }""");
        using var sourced = new SourcedUpstreams(new UpstreamSources(config.UpstreamSources, TimeProvider.System, NullLogger.Instance,
            new UpstreamListFetcher(TimeSpan.FromSeconds(5), 4096)));
        await sourced.Sources.RefreshAsync(CancellationToken.None);
        _ = sourced.For(config);

        File.WriteAllText(list, "# same list, new comment\nhttp://10.0.0.1:3128\n");

        Assert.False(await sourced.Sources.RefreshAsync(CancellationToken.None));
        Assert.False(sourced.HasUnapplied);
    }
}
