using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Server;

/// <summary>
/// The relay's counter for one exchange: each report goes to the client connection (its live
/// BytesSent/BytesReceived) and to the upstream's counters. One Interlocked add more per read: no
/// lock, no allocation.
/// </summary>
internal sealed class ConnectionByteCounter(ClientConnection connection, IByteCounter upstream) : IByteCounter
{
    public void AddSent(long bytes)
    {
        connection.AddSent(bytes);
        upstream.AddSent(bytes);
    }

    public void AddReceived(long bytes)
    {
        connection.AddReceived(bytes);
        upstream.AddReceived(bytes);
    }
}
