namespace NetDrift.Engine.Server;

public enum ProxyState
{
    Running,
    /// <summary>/healthz answers 503; accepting through the shutdown delay, then open tunnels finish (up to the drain timeout).</summary>
    Stopping,
    Stopped,
}
