namespace NetDrift.Engine.Upstreams;

/// <summary>Whether an upstream takes new tunnels or only finishes its open ones.</summary>
public enum UpstreamState
{
    Active,
    /// <summary>Removed from the pool: open tunnels finish, no new ones start.</summary>
    Draining,
}
