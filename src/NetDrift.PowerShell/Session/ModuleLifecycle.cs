using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace NetDrift.PowerShell.Session;

/// <summary>
/// Ties the module's dependencies and proxies to its life: on import, the private load context
/// starts answering for the engine; Remove-Module and process exit stop every proxy this session
/// started, so no listener outlives the code that serves it.
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static int _hooked;

    public void OnImport()
    {
        // First, before anything touches an engine type.
        DependencyLoadContext.Hook();
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll(TimeSpan.FromSeconds(2));
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        StopAll(NetDriftSession.ShutdownDrain);
        DependencyLoadContext.Unhook();
    }

    // Apart from OnImport so that compiling OnImport never needs an engine type.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StopAll(TimeSpan drain) => NetDriftSession.StopAll(drain);
}
