namespace NetDrift.Engine.Configuration;

/// <summary>
/// What a valid config may still get wrong: logged at every load (start and reload) and written by
/// Test-NetDriftConfig as warnings. Upstream sources can add tags later, so none of these is an error.
/// </summary>
public static class ConfigWarnings
{
    public static IReadOnlyList<ConfigError> Of(NetDriftConfig config)
    {
        var warnings = new List<ConfigError>();
        var tags = config.UpstreamProxies.Select(u => u.Tag).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].Tag is { } tag && !tags.Contains(tag))
            {
                warnings.Add(new ConfigError($"routes[{i}].tag", null, $"'{tag}': no upstream has this tag, so route {config.Routes[i].Name} answers 503 until one does"));
            }
        }
        return warnings;
    }
}
