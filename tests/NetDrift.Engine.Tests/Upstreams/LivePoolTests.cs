using Microsoft.Extensions.Logging.Abstractions;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>The live pool: writers under one lock never lose each other's edits; a draining upstream leaves with its last connection.</summary>
public sealed class LivePoolTests
{
    private static LivePool Pool(params string[] names) =>
        new(names.Select(n => TestUpstreams.Create(n).Config), TimeProvider.System, NullLogger.Instance);

    [Fact(Timeout = 30_000)]
    public async Task Add_ManyWritersAtOnce_NoUpstreamLost()
    {
        var pool = Pool();
        const int Writers = 8, PerWriter = 25;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                pool.Add(TestUpstreams.Create($"w{w}-{i}").Config);
            }
        })));

        Assert.Equal(Writers * PerWriter, pool.Current.All.Count);
        Assert.Equal(Writers * PerWriter, pool.Current.All.Select(u => u.Name).Distinct().Count());
    }

    [Fact]
    public void Remove_WithOpenConnection_DrainsUntilTheLastOneCloses()
    {
        var pool = Pool("a", "b");
        var a = pool.Current.Find("a")!;
        a.Counters.ConnectionOpened();

        Assert.True(pool.Remove("a"));
        Assert.Equal(UpstreamState.Draining, pool.Current.Find("a")!.State);
        pool.TryFinishDraining(a);
        Assert.Contains(a, pool.Current.All);

        a.Counters.ConnectionClosed();
        pool.TryFinishDraining(a);
        Assert.DoesNotContain(a, pool.Current.All);
        Assert.Equal(["b"], pool.Current.All.Select(u => u.Name));
    }

    [Fact]
    public void Add_NameStillDraining_ComesBackWithItsCounters()
    {
        var pool = Pool("a");
        var a = pool.Current.Find("a")!;
        a.Counters.ConnectionOpened();
        pool.Remove("a");

        var back = pool.Add(a.Config with { Weight = 3 });

        Assert.Same(a, back);
        Assert.Equal(UpstreamState.Active, back.State);
        Assert.Equal(3, back.Config.Weight);
        Assert.Equal(1, back.Counters.ActiveConnections);
        Assert.Throws<InvalidOperationException>(() => pool.Add(a.Config));
    }

    [Fact]
    public void Apply_ConfigWithoutAnUpstream_ItDrainsAndIsReturned()
    {
        var pool = Pool("a", "b");
        var a = pool.Current.Find("a")!;
        var config = new NetDriftConfig { UpstreamProxies = [pool.Current.Find("b")!.Config, TestUpstreams.Create("c").Config] };

        var removed = pool.Apply(config);

        Assert.Equal([a], removed);
        Assert.Equal(["b", "c", "a"], pool.Current.All.Select(u => u.Name));
        Assert.Equal(UpstreamState.Draining, a.State);
    }
}
