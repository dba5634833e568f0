using System.Net;
using NetDrift.Engine.Security;

namespace NetDrift.Engine.Tests.Security;

/// <summary>Checks from one address take turns; other addresses never wait; nothing stays behind.</summary>
public sealed class AuthFailureThrottleTurnTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("192.0.2.1");

    [Fact(Timeout = 5_000)]
    public async Task WaitTurn_SameAddress_WaitsUntilTheFirstTurnEnds()
    {
        var throttle = new AuthFailureThrottle();
        var first = await throttle.WaitTurnAsync(Guesser, CancellationToken.None);

        var second = throttle.WaitTurnAsync(Guesser, CancellationToken.None);
        var other = await throttle.WaitTurnAsync(IPAddress.Parse("192.0.2.2"), CancellationToken.None);
        await Task.Delay(50);
        var waitedWhileHeld = !second.IsCompleted;
        first.Dispose();
        (await second).Dispose();
        other.Dispose();

        Assert.True(waitedWhileHeld);
        Assert.Equal(0, throttle.AddressesInTurn);
    }

    [Fact(Timeout = 5_000)]
    public async Task WaitTurn_CancelledWhileWaiting_LeavesNothingBehind()
    {
        var throttle = new AuthFailureThrottle();
        var first = await throttle.WaitTurnAsync(Guesser, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = throttle.WaitTurnAsync(Guesser, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();
        first.Dispose();

        Assert.Equal(0, throttle.AddressesInTurn);
        (await throttle.WaitTurnAsync(Guesser, CancellationToken.None)).Dispose();
    }
}
