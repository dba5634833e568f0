using System.Management.Automation;

namespace NetDrift.PowerShell.Session;

/// <summary>
/// Ties proxies to the module's life: Remove-Module and process exit stop every proxy this session
/// started, so no listener outlives the code that serves it.
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static int _hooked;

    public void OnImport()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => NetDriftSession.StopAll(TimeSpan.FromSeconds(2));
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => NetDriftSession.StopAll(NetDriftSession.ShutdownDrain);
}
