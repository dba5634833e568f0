namespace NetDrift;

/// <summary>NetDrift.ConfigChange: one thing a config reload changed (or, with -WhatIf, would change).</summary>
public sealed class ConfigChange
{
    public string Proxy { get; init; } = "";
    /// <summary>Added, Removed or Changed.</summary>
    public string Kind { get; init; } = "";
    /// <summary>Upstream, User or Setting.</summary>
    public string Scope { get; init; } = "";
    /// <summary>The upstream or user name, or the setting's JSON path.</summary>
    public string Name { get; init; } = "";
    public string Detail { get; init; } = "";
    public bool Applied { get; init; }

    internal static ConfigChange From(string proxy, Engine.Configuration.ConfigChange change, bool applied) => new()
    {
        Proxy = proxy, Kind = change.Kind.ToString(), Scope = change.Scope.ToString(), Name = change.Name, Detail = change.Detail, Applied = applied,
    };

    public override string ToString() => $"{Kind} {Scope} {Name}: {Detail}";
}
