using System.Diagnostics;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

public sealed class UpstreamDeadlineTests
{
    [Fact]
    public void Remaining_FreshDeadline_CloseToTheTimeout()
    {
        var deadline = UpstreamDeadline.StartingNow(TimeSpan.FromSeconds(30));

        Assert.InRange(deadline.Remaining, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Remaining_Passed_IsTheMinimumWaitNotZeroOrNegative()
    {
        var started = Stopwatch.GetTimestamp() - Stopwatch.Frequency * 10;
        var deadline = new UpstreamDeadline(started, TimeSpan.FromSeconds(1));

        Assert.Equal(UpstreamDeadline.MinimumWait, deadline.Remaining);
        Assert.True(deadline.Elapsed >= TimeSpan.FromSeconds(10));
    }

    [Fact(Timeout = 10_000)]
    public async Task Link_Passed_CancelsSoonWithoutStopping()
    {
        var deadline = new UpstreamDeadline(Stopwatch.GetTimestamp() - Stopwatch.Frequency * 10, TimeSpan.FromSeconds(1));
        using var stopping = new CancellationTokenSource();

        using var due = deadline.Link(stopping.Token);

        Assert.True(await Loopback.WaitUntilAsync(() => due.IsCancellationRequested, TimeSpan.FromSeconds(5)));
        Assert.False(stopping.IsCancellationRequested);
    }

    [Fact]
    public void Link_Stopping_Cancels()
    {
        var deadline = UpstreamDeadline.StartingNow(TimeSpan.FromSeconds(30));
        using var stopping = new CancellationTokenSource();
        using var due = deadline.Link(stopping.Token);

        stopping.Cancel();

        Assert.True(due.IsCancellationRequested);
    }
}
