using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Users;

/// <summary>A relay's byte counts to its upstream's counters and to its user's.</summary>
internal sealed class UserByteCounter(IByteCounter upstream, UserState user) : IByteCounter
{
    public void AddSent(long bytes)
    {
        upstream.AddSent(bytes);
        user.AddSent(bytes);
    }

    public void AddReceived(long bytes)
    {
        upstream.AddReceived(bytes);
        user.AddReceived(bytes);
    }
}
