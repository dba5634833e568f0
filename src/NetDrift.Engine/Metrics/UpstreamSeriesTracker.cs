using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// The pool as metrics see it: one series per upstream name, with monotonic totals. A name can be
/// held by more than one <see cref="Upstream"/> over time (removed and added again while the old
/// one drains, or replaced by a reload): the totals of members that left are carried, so the
/// series never drops. A name that is gone from the pool when read ends its series; a later
/// upstream of that name starts a new one (a counter reset, as Prometheus expects).
/// Called at scrape time only, under a lock; the request path never touches it.
/// </summary>
internal sealed class UpstreamSeriesTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Series> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>One snapshot per upstream name in <paramref name="pool"/>, in pool order.</summary>
    public IReadOnlyList<UpstreamSeriesSnapshot> Read(IReadOnlyList<Upstream> pool)
    {
        lock (_gate)
        {
            var members = new Dictionary<string, List<Upstream>>(StringComparer.OrdinalIgnoreCase);
            var order = new List<string>();
            foreach (var upstream in pool)
            {
                if (!members.TryGetValue(upstream.Name, out var list))
                {
                    members[upstream.Name] = list = [];
                    order.Add(upstream.Name);
                }
                list.Add(upstream);
            }
            foreach (var name in _byName.Keys.Where(n => !members.ContainsKey(n)).ToArray())
            {
                _byName.Remove(name);
            }
            var snapshots = new List<UpstreamSeriesSnapshot>(order.Count);
            foreach (var name in order)
            {
                if (!_byName.TryGetValue(name, out var series))
                {
                    _byName[name] = series = new Series(name);
                }
                snapshots.Add(series.Read(members[name]));
            }
            return snapshots;
        }
    }

    /// <summary>One name's series: its live members and what earlier members counted.</summary>
    private sealed class Series(string name)
    {
        private readonly HashSet<Upstream> _members = new(ReferenceEqualityComparer.Instance);
        private readonly StatsTotals _carried = new();

        public UpstreamSeriesSnapshot Read(List<Upstream> members)
        {
            foreach (var gone in _members.Where(m => !members.Contains(m)).ToArray())
            {
                // A member leaves the pool once its tunnels are closed: these totals are final.
                _carried.Add(gone.Counters.Monotonic());
                _members.Remove(gone);
            }
            var totals = new StatsTotals();
            totals.Add(_carried);
            long active = 0;
            var inRotation = false;
            foreach (var member in members)
            {
                _members.Add(member);
                totals.Add(member.Counters.Monotonic());
                active += member.Counters.ActiveConnections;
                inRotation |= member.IsSelectable;
            }
            // The one new tunnels of that name go to (an active member wins over a draining namesake).
            var current = members.Find(m => m.State == UpstreamState.Active) ?? members[0];
            return new UpstreamSeriesSnapshot(this, name, totals, current, active, inRotation);
        }
    }
}
