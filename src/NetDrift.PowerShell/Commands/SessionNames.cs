using System.Management.Automation;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Resolves -Name values (wildcards allowed) against the session's proxies or faulty proxies. A
/// plain name that matches nothing is a non-terminating ObjectNotFound error, as Get-Process does.
/// </summary>
internal static class SessionNames
{
    public static IReadOnlyList<ProxyServer> Proxies(PSCmdlet cmdlet, IEnumerable<string>? names) =>
        Match(cmdlet, names, NetDriftSession.RunningProxies, p => p.Name, ErrorIds.ProxyNotFound, "NetDrift proxy");

    public static IReadOnlyList<FaultyProxy> FaultyProxies(PSCmdlet cmdlet, IEnumerable<string>? names) =>
        Match(cmdlet, names, NetDriftSession.RunningFaultyProxies, p => p.Name, ErrorIds.FaultyProxyNotFound, "faulty proxy");

    private static IReadOnlyList<T> Match<T>(PSCmdlet cmdlet, IEnumerable<string>? names, IReadOnlyList<T> running,
        Func<T, string> nameOf, string errorId, string what)
    {
        if (names is null)
        {
            return running;
        }
        var result = new List<T>();
        foreach (var name in names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = running.Where(item => pattern.IsMatch(nameOf(item))).ToArray();
            if (matches.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                cmdlet.WriteError(CmdletErrors.Record(errorId, ErrorCategory.ObjectNotFound, name,
                    $"No {what} named '{name}' runs in this session."));
            }
            result.AddRange(matches);
        }
        return result;
    }
}
