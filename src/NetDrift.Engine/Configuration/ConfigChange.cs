namespace NetDrift.Engine.Configuration;

/// <summary>What a change did to its subject.</summary>
public enum ConfigChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>What kind of thing changed.</summary>
public enum ConfigChangeScope
{
    Upstream,
    User,
    Setting,
}

/// <summary>One difference between the running config and a new one, as Update-NetDriftConfig reports it.</summary>
/// <param name="Name">The upstream or user name, or the setting's JSON path.</param>
/// <param name="Detail">What changed, without secrets (passwords are never shown).</param>
public sealed record ConfigChange(ConfigChangeKind Kind, ConfigChangeScope Scope, string Name, string Detail);
