namespace NetDrift.Engine.Tunnel;

/// <summary>Where a relay reports bytes as they move; implementations must be lock-free.</summary>
public interface IByteCounter
{
    void AddSent(long bytes);

    void AddReceived(long bytes);
}

/// <summary>For relays nobody counts (the faulty proxy's).</summary>
public sealed class NullByteCounter : IByteCounter
{
    public static readonly NullByteCounter Instance = new();

    public void AddSent(long bytes) { }

    public void AddReceived(long bytes) { }
}
