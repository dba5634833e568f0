using System.Management.Automation;
using NetDrift.Engine.Configuration;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Re-reads a proxy's config file (or another one) and applies the difference live: upstreams
/// added, drained, re-weighted; users; limits, retries, strategy, health settings; the listen
/// address. A file that fails validation changes nothing and is a terminating error naming the
/// field and line. Returns one NetDrift.ConfigChange per change.
/// </summary>
[Cmdlet(VerbsData.Update, "NetDriftConfig", SupportsShouldProcess = true)]
[OutputType(typeof(ConfigChange))]
public sealed class UpdateNetDriftConfigCommand : PSCmdlet
{
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    /// <summary>The file to apply; by default the one the proxy started from.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var server = ProxyResolver.Resolve(this, Proxy);
        var path = Path is null ? server.ConfigPath : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (path is null)
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.ConfigNotFound, ErrorCategory.InvalidOperation, server.Name,
                $"Proxy '{server.Name}' was not started from a config file; give one with -Path."));
            return;
        }
        var loaded = ConfigSource.LoadAsync(path, server.Overrides).GetAwaiter().GetResult();
        if (!loaded.IsValid)
        {
            // A missing file is a wrong -Path, not a failed reload: the proxy's last reload stands.
            if (loaded.Failure != ConfigLoadFailure.FileNotFound)
            {
                server.RecordReloadFailure(loaded.ToException().Message);
            }
            ThrowTerminatingError(ConfigLoadErrors.Record(loaded));
        }
        var config = loaded.Config!;
        var pending = ConfigDiff.Compute(server.Config, config);
        var summary = pending.Count == 0 ? "no changes" : string.Join("; ", pending.Select(c => $"{c.Kind} {c.Scope} {c.Name}"));
        if (!ShouldProcess($"{server.Name} from {path}", $"Apply config ({summary})"))
        {
            return;
        }
        try
        {
            foreach (var change in server.ApplyConfig(config))
            {
                WriteObject(ConfigChange.From(server.Name, change, applied: true));
            }
            // Sources are re-read at once, not at their next refresh.
            foreach (var change in server.RefreshSourcesAsync().GetAwaiter().GetResult())
            {
                WriteObject(ConfigChange.From(server.Name, change, applied: true));
            }
        }
        catch (ConfigException e)
        {
            server.RecordReloadFailure(e.Message);
            ThrowTerminatingError(CmdletErrors.Record(e, ErrorIds.InvalidConfig, ErrorCategory.InvalidData, path));
        }
    }
}
