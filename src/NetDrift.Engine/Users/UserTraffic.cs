using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Users;

/// <summary>
/// A user's bytes on their way: counted for the user beside the upstream, and paced by the user's
/// bytes_per_second when one is set (a shaped relay, which never splices). Without a user, or
/// without a rate, the relay is the plain one.
/// </summary>
internal static class UserTraffic
{
    public static Task<RelayResult> RelayAsync(Transport client, Transport upstream, TunnelActivity activity, IByteCounter counter,
        UserState? user, ProxyCounters proxyCounters, CancellationToken stopping)
    {
        if (user is null)
        {
            return TunnelRelay.RunAsync(client, upstream, activity, counter);
        }
        var counted = new UserByteCounter(counter, user);
        if (user.Config.BytesPerSecond <= 0)
        {
            return TunnelRelay.RunAsync(client, upstream, activity, counted);
        }
        var (toUpstream, toClient) = Shapers(user, proxyCounters, stopping);
        return TunnelRelay.RunShapedAsync(client, upstream, activity, counted, toUpstream, toClient);
    }

    /// <summary>Both directions' shapers; the first wait of either counts the tunnel or request once as UserBandwidth.</summary>
    public static (IRelayShaper ToUpstream, IRelayShaper ToClient) Shapers(UserState user, ProxyCounters proxyCounters, CancellationToken stopping)
    {
        var counted = 0;
        void FirstWait()
        {
            if (Interlocked.Exchange(ref counted, 1) == 0)
            {
                proxyCounters.Reject(RejectionCause.UserBandwidth);
            }
        }
        return (new UserShaper(user, toUpstream: true, FirstWait, stopping), new UserShaper(user, toUpstream: false, FirstWait, stopping));
    }

    /// <summary>The byte count of one plain body direction: the upstream's, and the user's when there is one.</summary>
    public static Action<long> Count(Action<long> upstream, UserState? user, bool toUpstream) => user is null
        ? upstream
        : toUpstream ? bytes => { upstream(bytes); user.AddSent(bytes); } : bytes => { upstream(bytes); user.AddReceived(bytes); };
}
