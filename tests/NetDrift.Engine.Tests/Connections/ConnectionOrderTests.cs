using NetDrift.Engine.Connections;

namespace NetDrift.Engine.Tests.Connections;

/// <summary>Which connections a screen that fits a few shows: half the longest-running, the rest the busiest of the others.</summary>
public sealed class ConnectionOrderTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ConnectionSnapshot Open(long id, int startedSecond, long bytes) =>
        new(id, "127.0.0.1:1", null, ConnectionProtocol.Http, ConnectionKind.Tunnel, "t:1", "u", Epoch.AddSeconds(startedSecond), bytes, 0, TimeSpan.Zero);

    [Fact]
    public void LongestRunningAndBusiest_MoreThanFit_OldestHalfThenBusiestOfTheRest()
    {
        ConnectionSnapshot[] open = [Open(1, 50, 10), Open(2, 10, 1), Open(3, 40, 900), Open(4, 20, 5), Open(5, 30, 700), Open(6, 60, 800)];

        var shown = ConnectionOrder.LongestRunningAndBusiest(open, 4);

        Assert.Equal([2L, 4L, 3L, 6L], shown.Select(c => c.Id));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(10, 3)]
    public void LongestRunningAndBusiest_Count_NeverMoreThanAskedOrOpen(int count, int expected)
    {
        ConnectionSnapshot[] open = [Open(1, 3, 0), Open(2, 2, 0), Open(3, 1, 0)];

        var shown = ConnectionOrder.LongestRunningAndBusiest(open, count);

        Assert.Equal(expected, shown.Count);
        Assert.Equal(shown.Count, shown.Select(c => c.Id).Distinct().Count());
    }
}
