using System.Management.Automation;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Resolves the <c>-Proxy</c> parameter shared by many cmdlets: a name, a ProxyInfo, or nothing
/// when exactly one proxy runs. Failures are terminating errors that say what to do.
/// </summary>
internal static class ProxyResolver
{
    public static ProxyServer Resolve(PSCmdlet cmdlet, object? proxy)
    {
        var value = proxy is PSObject wrapped ? wrapped.BaseObject : proxy;
        switch (value)
        {
            case ProxyInfo info:
                return info.Server;
            case ProxyServer server:
                return server;
            case string name when !string.IsNullOrWhiteSpace(name):
                return NetDriftSession.FindProxy(name) ?? throw Terminate(cmdlet, ErrorIds.ProxyNotFound, ErrorCategory.ObjectNotFound, name,
                    $"No NetDrift proxy named '{name}' runs in this session. Get-NetDriftProxy lists them.");
            case null:
                var running = NetDriftSession.RunningProxies;
                return running.Count switch
                {
                    1 => running[0],
                    0 => throw Terminate(cmdlet, ErrorIds.NoProxyRunning, ErrorCategory.ObjectNotFound, null,
                        "No NetDrift proxy runs in this session. Start one with Start-NetDriftProxy."),
                    _ => throw Terminate(cmdlet, ErrorIds.ProxyAmbiguous, ErrorCategory.InvalidArgument, null,
                        $"{running.Count} NetDrift proxies run in this session ({string.Join(", ", running.Select(p => p.Name))}); name one with -Proxy."),
                };
            default:
                throw Terminate(cmdlet, ErrorIds.ProxyNotFound, ErrorCategory.InvalidArgument, value,
                    $"-Proxy takes a proxy name or a NetDrift.ProxyInfo, not {value.GetType().Name}.");
        }
    }

    private static PipelineStoppedException Terminate(PSCmdlet cmdlet, string id, ErrorCategory category, object? target, string message)
    {
        cmdlet.ThrowTerminatingError(CmdletErrors.Record(id, category, target, message));
        return new PipelineStoppedException(); // unreachable: ThrowTerminatingError throws
    }
}
