namespace NetDrift.Engine.Configuration;

/// <summary>The step of <see cref="ConfigSource.LoadAsync"/> that refused a config.</summary>
public enum ConfigLoadFailure
{
    None,
    /// <summary>The config file does not exist.</summary>
    FileNotFound,
    /// <summary>The file cannot be read, is not JSON, or a field is wrong.</summary>
    InvalidFile,
    /// <summary>A start parameter has a bad value; the errors name the parameter (-Listen...).</summary>
    InvalidOverrides,
    /// <summary>An upstream host name does not resolve.</summary>
    UnresolvableHost,
}
