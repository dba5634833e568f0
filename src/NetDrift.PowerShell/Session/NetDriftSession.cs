using System.Collections.Concurrent;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;

namespace NetDrift.PowerShell.Session;

/// <summary>
/// The proxies and faulty proxies this PowerShell process runs, by name. Everything here lives as
/// long as the module: removing the module or exiting the process stops it all.
/// </summary>
internal static class NetDriftSession
{
    private static readonly ConcurrentDictionary<string, ProxyServer> Proxies = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, FaultyProxy> FaultyProxies = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long open tunnels may finish when the module goes away.</summary>
    public static readonly TimeSpan ShutdownDrain = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<ProxyServer> RunningProxies => Proxies.Values.OrderBy(p => p.StartedAt).ToArray();

    public static IReadOnlyList<FaultyProxy> RunningFaultyProxies => FaultyProxies.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToArray();

    public static bool TryAddProxy(ProxyServer proxy) => Proxies.TryAdd(proxy.Name, proxy);

    public static bool IsProxyNameTaken(string name) => Proxies.ContainsKey(name);

    public static ProxyServer? FindProxy(string name) => Proxies.TryGetValue(name, out var proxy) ? proxy : null;

    public static void ForgetProxy(ProxyServer proxy) => Proxies.TryRemove(new KeyValuePair<string, ProxyServer>(proxy.Name, proxy));

    public static bool TryAddFaultyProxy(FaultyProxy proxy) => FaultyProxies.TryAdd(proxy.Name, proxy);

    public static bool IsFaultyNameTaken(string name) => FaultyProxies.ContainsKey(name);

    public static FaultyProxy? FindFaultyProxy(string name) => FaultyProxies.TryGetValue(name, out var proxy) ? proxy : null;

    public static void ForgetFaultyProxy(FaultyProxy proxy) => FaultyProxies.TryRemove(new KeyValuePair<string, FaultyProxy>(proxy.Name, proxy));

    /// <summary>A free default name: the wanted one, else wanted-2, wanted-3...</summary>
    public static string UniqueProxyName(string wanted)
    {
        if (!IsProxyNameTaken(wanted))
        {
            return wanted;
        }
        for (var i = 2; ; i++)
        {
            var candidate = $"{wanted}-{i}";
            if (!IsProxyNameTaken(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Stops everything (module removal, process exit), draining briefly.</summary>
    public static void StopAll(TimeSpan drain)
    {
        var stops = new List<Task>();
        foreach (var proxy in Proxies.Values)
        {
            // No shutdown delay: the module or the process is going away now.
            stops.Add(proxy.StopAsync(drain, TimeSpan.Zero));
            ForgetProxy(proxy);
        }
        foreach (var faulty in FaultyProxies.Values)
        {
            stops.Add(faulty.StopAsync());
            ForgetFaultyProxy(faulty);
        }
        Task.WaitAll(stops.ToArray(), drain + TimeSpan.FromSeconds(5));
    }
}
