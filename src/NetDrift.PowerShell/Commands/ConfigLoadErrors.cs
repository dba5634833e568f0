using System.Management.Automation;
using NetDrift.Engine.Configuration;

namespace NetDrift.PowerShell.Commands;

/// <summary>One error record per way ConfigSource refuses a config, the same from every cmdlet that loads one.</summary>
internal static class ConfigLoadErrors
{
    public static ErrorRecord Record(ConfigLoadResult loaded) => loaded.Failure switch
    {
        ConfigLoadFailure.FileNotFound => CmdletErrors.Record(new FileNotFoundException($"Config file '{loaded.Path}' does not exist.", loaded.Path),
            ErrorIds.ConfigNotFound, ErrorCategory.ObjectNotFound, loaded.Path),
        ConfigLoadFailure.InvalidOverrides => CmdletErrors.Record(loaded.ToException(), ErrorIds.InvalidConfig, ErrorCategory.InvalidArgument, null),
        _ => CmdletErrors.Record(loaded.ToException(), ErrorIds.InvalidConfig, ErrorCategory.InvalidData, loaded.Path),
    };
}
