using System.Reflection;
using System.Runtime.Loader;

namespace NetDrift.PowerShell.Session;

/// <summary>
/// The private AssemblyLoadContext the module's dependencies live in (the engine,
/// Microsoft.Extensions.*, prometheus-net), as PSResourceGet's ModuleInitAndCleanup does it: the
/// cmdlet assembly stays in the default context, where PowerShell loads it, and its one reference
/// into the folder, NetDrift.Engine, is answered from here. Everything the engine references that
/// the folder holds is loaded here too, whatever version another module put in the default
/// context; what the folder does not hold (the framework) falls through to the default context.
/// </summary>
/// <remarks>
/// The engine is loaded once, here, so the engine types the output objects expose (ProxyInfo.Engine,
/// FaultyProxyInfo.Fault, UpstreamHealthChangedEventArgs) are the ones the engine itself uses.
/// Nothing in the cmdlet assembly may reference a Microsoft.Extensions.* or Prometheus type
/// directly: that reference would bind in the default context, to whatever version is there.
/// </remarks>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    /// <summary>The staged subfolder (build.ps1, &lt;NetDriftDependencyFolder&gt;).</summary>
    public const string FolderName = "dependencies";

    private const string EngineName = "NetDrift.Engine";

    private static readonly object Gate = new();
    private static readonly Assembly Self = typeof(DependencyLoadContext).Assembly;
    private static DependencyLoadContext? _instance;
    private static bool _hooked;

    private readonly string _folder;
    private readonly HashSet<string> _names;

    private DependencyLoadContext(string folder, HashSet<string> names) : base("NetDrift", isCollectible: false)
    {
        _folder = folder;
        _names = names;
    }

    /// <summary>The context, or null when the dependencies sit next to the cmdlet assembly (a bin/ folder, not a staged module).</summary>
    public static DependencyLoadContext? Instance
    {
        get
        {
            lock (Gate)
            {
                return _instance ??= Create();
            }
        }
    }

    /// <summary>Answers the cmdlet assembly's requests for what the folder holds. Idempotent.</summary>
    public static void Hook()
    {
        lock (Gate)
        {
            if (_hooked || Instance is null)
            {
                return;
            }
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
            _hooked = true;
        }
    }

    /// <summary>
    /// Stops answering. The engine stays loaded (the context is not collectible), and every
    /// reference already bound stays bound, so a re-import finds it again through <see cref="Hook"/>.
    /// </summary>
    public static void Unhook()
    {
        lock (Gate)
        {
            if (_hooked)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
                _hooked = false;
            }
        }
    }

    /// <summary>Whether an assembly of this name is one of ours, loaded privately.</summary>
    public bool Holds(string simpleName) => _names.Contains(simpleName);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } name || !_names.Contains(name))
        {
            return null; // the framework: shared with the default context
        }
        return LoadFromAssemblyPath(Path.Combine(_folder, name + ".dll"));
    }

    private static DependencyLoadContext? Create()
    {
        var folder = Path.Combine(Path.GetDirectoryName(Self.Location) ?? "", FolderName);
        if (!Directory.Exists(folder))
        {
            return null;
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(folder, "*.dll"))
        {
            names.Add(Path.GetFileNameWithoutExtension(file));
        }
        return new DependencyLoadContext(folder, names);
    }

    private static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        // Only our own requests: another module asking for Microsoft.Extensions.Logging must never
        // get our copy (nor we theirs).
        var name = new AssemblyName(args.Name).Name;
        if (args.RequestingAssembly is { } requester ? requester != Self : name != EngineName)
        {
            return null;
        }
        var context = Instance;
        return name is not null && context is not null && context.Holds(name) ? context.LoadFromAssemblyName(new AssemblyName(name)) : null;
    }
}
