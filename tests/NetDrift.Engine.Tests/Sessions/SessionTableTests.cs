using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Sessions;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Sessions;

/// <summary>The session table on in-memory pools, with a fake clock: nothing is dialed, every count is exact.</summary>
public sealed class SessionTableTests
{
    private static readonly SessionsConfig Config = new() { Enabled = true, Ttl = TimeSpan.FromSeconds(600) };
    private static readonly string[] Ids = Enumerable.Range(0, 1000).Select(i => $"s{i}").ToArray();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly SessionTable _table;

    public SessionTableTests() => _table = new SessionTable(_clock);

    private static Upstream[] Three() => [TestUpstreams.Create("A"), TestUpstreams.Create("B"), TestUpstreams.Create("C")];

    private Upstream Pick(UpstreamPool pool, string id, IReadOnlyCollection<Upstream>? tried = null, SessionsConfig? config = null, string? tag = null) =>
        _table.Pick(pool, "alice", id, tried ?? [], tag, config ?? Config)!;

    private Dictionary<string, Upstream> PickAll(UpstreamPool pool) => Ids.ToDictionary(id => id, id => Pick(pool, id));

    [Fact]
    public void Pick_1000Sessions_EachKeepsItsUpstreamAcross10Requests()
    {
        var upstreams = Three();
        var pool = TestUpstreams.Pool(upstreams);
        var first = PickAll(pool);

        for (var request = 1; request < 10; request++)
        {
            Assert.Equal(first, PickAll(pool));
        }
        Assert.All(upstreams, u => Assert.InRange(first.Values.Count(v => v == u), 250, 420));
        var snapshot = _table.Snapshot(Config.Ttl);
        Assert.Equal(1000, snapshot.Count);
        Assert.All(snapshot, s => Assert.Equal((10, 0), (s.Requests, s.Moves)));
    }

    [Fact]
    public void Pick_FirstPick_IsTheRendezvousChoiceOfUserSlashSession()
    {
        var pool = TestUpstreams.Pool(Three());

        foreach (var id in Ids.Take(100))
        {
            Assert.Same(new StickyPolicy().Pick(pool, new PickContext("alice/" + id)), Pick(pool, id));
        }
    }

    [Fact]
    public void Pick_OneUpstreamRemoved_OnlyItsSessionsMove_AndStay()
    {
        var upstreams = Three();
        var before = PickAll(TestUpstreams.Pool(upstreams));
        upstreams[1].MarkDraining();
        var after = PickAll(TestUpstreams.Pool(upstreams[0], upstreams[2]));

        foreach (var id in Ids)
        {
            if (before[id] == upstreams[1])
            {
                Assert.NotSame(upstreams[1], after[id]);
            }
            else
            {
                Assert.Same(before[id], after[id]);
            }
        }
        var moved = before.Values.Count(u => u == upstreams[1]);
        Assert.True(moved > 200);
        Assert.Equal(moved, _table.Snapshot(Config.Ttl).Sum(s => s.Moves));
        // The same upstream added back (a fresh object of that name): the moved sessions stay where they went.
        Assert.Equal(after, PickAll(TestUpstreams.Pool(upstreams[0], TestUpstreams.Create("B"), upstreams[2])));
    }

    [Fact]
    public void Pick_UpstreamTurnsUnhealthy_SessionsMove_AndStayAfterItRecovers()
    {
        var upstreams = Three();
        var pool = TestUpstreams.Pool(upstreams);
        var before = PickAll(pool);
        TestUpstreams.MakeUnhealthy(upstreams[0]);

        var during = PickAll(pool);
        upstreams[0].RecordOutcome(true, 1, 1);
        Assert.Equal(UpstreamHealth.Healthy, upstreams[0].Health);
        var after = PickAll(pool);

        Assert.DoesNotContain(upstreams[0], during.Values);
        Assert.Equal(during, after);
        Assert.All(Ids.Where(id => before[id] != upstreams[0]), id => Assert.Same(before[id], after[id]));
    }

    [Fact]
    public void Pick_UpstreamDisabled_ItsSessionsMove()
    {
        var upstreams = Three();
        var pool = TestUpstreams.Pool(upstreams);
        var before = PickAll(pool);
        upstreams[2].ReplaceConfig(upstreams[2].Config with { Enabled = false });

        var after = PickAll(pool);

        Assert.DoesNotContain(upstreams[2], after.Values);
        Assert.All(Ids.Where(id => before[id] != upstreams[2]), id => Assert.Same(before[id], after[id]));
    }

    [Fact]
    public void Pick_SessionUpstreamFailedThisRequest_RetryGoesElsewhere_AndTheSessionMoves()
    {
        var pool = TestUpstreams.Pool(Three());
        var first = Pick(pool, "x");

        var retry = Pick(pool, "x", tried: [first]);

        Assert.NotSame(first, retry);
        Assert.Same(retry, Pick(pool, "x"));
        var session = Assert.Single(_table.Snapshot(Config.Ttl));
        Assert.Equal((retry.Name, 2L, 1L), (session.Upstream, session.Requests, session.Moves));
    }

    [Fact]
    public void Pick_NothingHealthy_KeepsTheSessionsUpstream()
    {
        var upstreams = Three();
        var pool = TestUpstreams.Pool(upstreams);
        var first = Pick(pool, "x");
        Array.ForEach(upstreams, u => TestUpstreams.MakeUnhealthy(u));

        Assert.Same(first, Pick(pool, "x"));
        Assert.Equal(0, Assert.Single(_table.Snapshot(Config.Ttl)).Moves);
    }

    [Fact]
    public void Pick_NothingSelectable_Null()
    {
        var only = TestUpstreams.Create("A", enabled: false);

        Assert.Null(_table.Pick(TestUpstreams.Pool(only), "alice", "x", [], null, Config));
        Assert.Equal(0, _table.Count);
    }

    [Fact]
    public void Pick_RequiredTag_OnlyUpstreamsWithIt()
    {
        var eu = TestUpstreams.Create("eu-1", tag: "eu");
        var pool = TestUpstreams.Pool(TestUpstreams.Create("A"), TestUpstreams.Create("B"), eu);

        Assert.All(Ids.Take(50), id => Assert.Same(eu, Pick(pool, id, tag: "eu")));
    }

    [Fact]
    public void Pick_TwoTablesWithTheSamePool_AgreeOnEverySession()
    {
        var other = new SessionTable(new FakeTimeProvider());
        var mine = PickAll(TestUpstreams.Pool(Three()));
        // A second instance: its own upstream objects, the same names.
        var theirPool = TestUpstreams.Pool(Three());

        Assert.All(Ids, id => Assert.Equal(mine[id].Name, other.Pick(theirPool, "alice", id, [], null, Config)!.Name));
    }

    [Fact]
    public void Pick_TtlCountsFromLastUse()
    {
        var upstreams = Three();
        var pool = TestUpstreams.Pool(upstreams);
        var first = Pick(pool, "x");
        var created = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromSeconds(599));
        Pick(pool, "x");
        _clock.Advance(TimeSpan.FromSeconds(599));

        var kept = Assert.Single(_table.Snapshot(Config.Ttl));
        Assert.Equal((created, created.AddSeconds(599), created.AddSeconds(1199), 2L), (kept.CreatedAt, kept.LastUsedAt, kept.ExpiresAt, kept.Requests));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(_table.Snapshot(Config.Ttl));

        // Expired: the next request starts a new session (its rendezvous choice again).
        first.MarkDraining();
        Assert.NotSame(first, Pick(pool, "x"));
        var fresh = Assert.Single(_table.Snapshot(Config.Ttl));
        Assert.Equal((_clock.GetUtcNow(), 1L, 0L), (fresh.CreatedAt, fresh.Requests, fresh.Moves));
    }

    [Fact]
    public void Sweep_DropsOnlyExpiredSessions()
    {
        var pool = TestUpstreams.Pool(Three());
        Pick(pool, "old");
        _clock.Advance(TimeSpan.FromSeconds(300));
        Pick(pool, "new");
        _clock.Advance(TimeSpan.FromSeconds(300));

        _table.Sweep(Config.Ttl);

        Assert.Equal(1, _table.Count);
        Assert.Equal("new", Assert.Single(_table.Snapshot(Config.Ttl)).Session);
    }

    [Fact]
    public void Pick_PastTheCap_TheLeastRecentlyUsedExpireFirst()
    {
        var capped = Config with { MaxSessions = 3 };
        var pool = TestUpstreams.Pool(Three());
        foreach (var id in new[] { "a", "b", "c" })
        {
            Pick(pool, id, config: capped);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        Pick(pool, "a", config: capped);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Pick(pool, "d", config: capped);

        Assert.Equal(3, _table.Count);
        Assert.Equal(["a", "c", "d"], _table.Snapshot(Config.Ttl).Select(s => s.Session).Order());
    }

    [Fact]
    public void Pick_LargeCap_StaysBounded()
    {
        var capped = Config with { MaxSessions = 500 };
        var pool = TestUpstreams.Pool(Three());

        foreach (var id in Ids)
        {
            Pick(pool, id, config: capped);
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.InRange(_table.Count, 495, 500);
        Assert.Contains(_table.Snapshot(Config.Ttl), s => s.Session == "s999");
        Assert.DoesNotContain(_table.Snapshot(Config.Ttl), s => s.Session == "s0");
    }

    [Fact]
    public void Pick_PastALargeCap_TheOldestGoFromASample_AndEveryRecentSessionStays()
    {
        var capped = Config with { MaxSessions = 10_000 };
        var pool = TestUpstreams.Pool(Three());
        var ids = Enumerable.Range(0, 25_000).Select(i => $"big{i}").ToArray();

        foreach (var id in ids)
        {
            Pick(pool, id, config: capped);
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.InRange(_table.Count, 9_800, 10_000);
        var live = _table.Snapshot(Config.Ttl).Select(s => s.Session).ToHashSet();
        Assert.All(ids[^9_500..], id => Assert.Contains(id, live));
    }
}
