using System.Management.Automation;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Resolves the <c>-Proxy</c> parameter shared by many cmdlets: a name, a ProxyInfo, or nothing
/// when exactly one proxy runs. <see cref="Resolve"/> makes every failure terminating (for
/// cmdlets that cannot do anything without their proxy: Add-, Update-, Watch-);
/// <see cref="TryResolve"/> writes a name that matches nothing as a non-terminating
/// ObjectNotFound error, as Get-Process does, and keeps the rest terminating.
/// </summary>
internal static class ProxyResolver
{
    /// <summary>For Get-, Reset-, Set- and Remove- cmdlets: false (after writing the error) when a named proxy does not run.</summary>
    public static bool TryResolve(PSCmdlet cmdlet, object? proxy, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProxyServer? server)
    {
        var value = proxy is PSObject wrapped ? wrapped.BaseObject : proxy;
        if (value is string name && !string.IsNullOrWhiteSpace(name) && NetDriftSession.FindProxy(name) is null)
        {
            cmdlet.WriteError(NotFound(name));
            server = null;
            return false;
        }
        server = Resolve(cmdlet, proxy);
        return true;
    }

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
                if (NetDriftSession.FindProxy(name) is { } found)
                {
                    return found;
                }
                cmdlet.ThrowTerminatingError(NotFound(name));
                return null!; // unreachable: ThrowTerminatingError throws
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

    private static ErrorRecord NotFound(string name) =>
        CmdletErrors.Record(ErrorIds.ProxyNotFound, ErrorCategory.ObjectNotFound, name,
            $"No NetDrift proxy named '{name}' runs in this session. Get-NetDriftProxy lists them.");

    private static PipelineStoppedException Terminate(PSCmdlet cmdlet, string id, ErrorCategory category, object? target, string message)
    {
        cmdlet.ThrowTerminatingError(CmdletErrors.Record(id, category, target, message));
        return new PipelineStoppedException(); // unreachable: ThrowTerminatingError throws
    }
}
