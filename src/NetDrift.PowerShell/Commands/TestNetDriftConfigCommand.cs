using System.Management.Automation;
using NetDrift.Engine.Configuration;

namespace NetDrift.PowerShell.Commands;

/// <summary>Validates a config file without starting anything: $true/$false, one error per problem.</summary>
[Cmdlet(VerbsDiagnostic.Test, "NetDriftConfig")]
[OutputType(typeof(bool))]
public sealed class TestNetDriftConfigCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "ConfigPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var loaded = ConfigSource.LoadAsync(path).GetAwaiter().GetResult();
        var problems = loaded.Errors;
        // Valid, yet likely not what was meant (a route tag no upstream has): warnings, still $true.
        foreach (var warning in loaded.Config is { } config ? ConfigWarnings.Of(config) : [])
        {
            WriteWarning(warning.ToString());
        }
        foreach (var problem in problems)
        {
            WriteError(CmdletErrors.Record(new ConfigException(path, [problem]), ErrorIds.InvalidConfig, ErrorCategory.InvalidData, problem));
        }
        WriteObject(problems.Count == 0);
    }
}
