using NetDrift.Engine.Balancing;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Balancing;

public sealed class SmoothWeightedSequenceTests
{
    private static string Names(IReadOnlyList<Upstream> order) => string.Concat(order.Select(u => u.Name));

    [Fact]
    public void Build_Weights311_IsABACA()
    {
        var order = SmoothWeightedSequence.Build([TestUpstreams.Create("A", 3), TestUpstreams.Create("B", 1), TestUpstreams.Create("C", 1)]);

        Assert.Equal("ABACA", Names(order));
    }

    [Fact]
    public void Build_EqualWeights_PlainRoundRobin()
    {
        var order = SmoothWeightedSequence.Build([TestUpstreams.Create("A", 1), TestUpstreams.Create("B", 1), TestUpstreams.Create("C", 1)]);

        Assert.Equal("ABC", Names(order));
    }

    [Fact]
    public void Build_Weights6To2To2_ReducedByGcdToABACA()
    {
        var order = SmoothWeightedSequence.Build([TestUpstreams.Create("A", 6), TestUpstreams.Create("B", 2), TestUpstreams.Create("C", 2)]);

        Assert.Equal("ABACA", Names(order));
    }

    [Fact]
    public void Build_EqualLargeWeights_ReducedToOneEach()
    {
        var order = SmoothWeightedSequence.Build([TestUpstreams.Create("A", 1000), TestUpstreams.Create("B", 1000)]);

        Assert.Equal("AB", Names(order));
    }

    [Fact]
    public void Build_WeightZeroAndDisabled_Skipped()
    {
        var order = SmoothWeightedSequence.Build(
        [
            TestUpstreams.Create("A", 3), TestUpstreams.Create("B", 0), TestUpstreams.Create("C", 5, enabled: false), TestUpstreams.Create("D", 1),
        ]);

        Assert.Equal("AADA", Names(order));
    }

    [Fact]
    public void Build_NothingInRotation_Empty()
    {
        Assert.Empty(SmoothWeightedSequence.Build([TestUpstreams.Create("A", 0), TestUpstreams.Create("B", 1, enabled: false)]));
        Assert.Empty(SmoothWeightedSequence.Build([]));
    }

    [Theory]
    [InlineData(new[] { 5, 1 })]
    [InlineData(new[] { 2, 3, 4 })]
    [InlineData(new[] { 7, 3, 1, 1 })]
    [InlineData(new[] { 1, 1, 1, 1, 10 })]
    public void Build_AnyWeights_EachAppearsWeightTimesAndEvenlySpread(int[] weights)
    {
        var upstreams = weights.Select((w, i) => TestUpstreams.Create(((char)('A' + i)).ToString(), w)).ToArray();
        var total = weights.Sum();

        var order = SmoothWeightedSequence.Build(upstreams);

        Assert.Equal(total, order.Count);
        for (var i = 0; i < upstreams.Length; i++)
        {
            Assert.Equal(weights[i], order.Count(u => u == upstreams[i]));
            // Smooth: in any window of the cycle, an upstream's share is within one of its exact share.
            for (var window = 1; window <= total; window++)
            {
                for (var start = 0; start < total; start++)
                {
                    var seen = Enumerable.Range(start, window).Count(k => order[k % total] == upstreams[i]);
                    var exact = (double)window * weights[i] / total;
                    Assert.InRange(seen, Math.Floor(exact) - 1, Math.Ceiling(exact) + 1);
                }
            }
        }
    }

    [Fact]
    public void Pool_WeightedOrder_IsTheSequence()
    {
        var pool = TestUpstreams.Pool(TestUpstreams.Create("A", 3), TestUpstreams.Create("B", 1), TestUpstreams.Create("C", 1));

        Assert.Equal("ABACA", Names(pool.WeightedOrder));
        Assert.Equal(3, pool.All.Count);
        Assert.Same(pool.All[1], pool.Find("b"));
        Assert.Null(pool.Find("Z"));
    }
}
