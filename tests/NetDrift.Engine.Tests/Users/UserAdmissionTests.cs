using NetDrift.Engine.Configuration;
using NetDrift.Engine.Users;

namespace NetDrift.Engine.Tests.Users;

public sealed class UserAdmissionTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TakeRequest_FixedWindow_RetryAfterIsTheRestOfTheMinute_ThenANewWindowOpens()
    {
        var user = new UserActivity().For(new UserConfig("alice", "pw") { RequestsPerMinute = 3 });

        var first = Enumerable.Range(0, 3).Select(i => user.TakeRequest(3, Start.AddSeconds(i * 10))).ToArray();
        var refused = user.TakeRequest(3, Start.AddSeconds(40.5));
        var lastSecond = user.TakeRequest(3, Start.AddSeconds(59.9));
        var nextWindow = user.TakeRequest(3, Start.AddSeconds(60));

        Assert.Equal([0, 0, 0], first);
        Assert.Equal(20, refused);
        Assert.Equal(1, lastSecond);
        Assert.Equal(0, nextWindow);
    }

    [Fact]
    public void TryAdmit_OverMaxConnections_UsesNoRequestFromTheWindow()
    {
        var user = new UserActivity().For(new UserConfig("alice", "pw") { MaxConnections = 1, RequestsPerMinute = 2 });

        using var held = UserAdmission.TryAdmit(user, Start).Lease;
        var overConnections = UserAdmission.TryAdmit(user, Start.AddSeconds(1));
        held!.Dispose();
        held.Dispose(); // a second dispose gives nothing back twice
        using var second = UserAdmission.TryAdmit(user, Start.AddSeconds(2)).Lease;

        Assert.Equal((UserLimit.MaxConnections, 1), (overConnections.Limit, overConnections.RetryAfterSeconds));
        Assert.NotNull(second);
        Assert.Equal((2L, 1L, 1L), (user.Requests, user.Limited, user.ActiveConnections));
    }

    [Fact]
    public void For_ReloadedConfig_SameStateNewLimits()
    {
        var users = new UserActivity();
        var before = users.For(new UserConfig("alice", "pw") { BytesPerSecond = 1000 });
        var pacer = before.ToClientPacer;

        var after = users.For(new UserConfig("alice", "pw") { BytesPerSecond = 2000, MaxConnections = 4 });

        Assert.Same(before, after);
        Assert.Equal(4, after.Config.MaxConnections);
        Assert.NotSame(pacer, after.ToClientPacer);
        Assert.Equal(2000, after.ToClientPacer!.BytesPerSecond);
    }

    [Fact]
    public void SharedRatePacer_BookingsAddUp_AcrossCallers()
    {
        var pacer = new SharedRatePacer(1000);

        // Each booking waits for its own bytes and for the ones before it (a new pacer has no credit yet).
        var waits = Enumerable.Range(0, 5).Select(_ => pacer.Book(100).TotalMilliseconds).ToArray();

        Assert.InRange(waits[0], 80, 101);
        Assert.InRange(waits[4], 480, 501);
        Assert.True(waits.Zip(waits.Skip(1)).All(p => p.Second > p.First));
    }
}
