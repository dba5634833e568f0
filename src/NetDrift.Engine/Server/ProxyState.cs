namespace NetDrift.Engine.Server;

public enum ProxyState
{
    Running,
    /// <summary>No longer accepting; open tunnels are finishing (up to the drain timeout).</summary>
    Stopping,
    Stopped,
}
