using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Completion;

/// <summary>
/// Completes upstream names (-Name of the upstream cmdlets, Get-NetDriftStats -Upstream): those of
/// the proxy -Proxy names when it is already typed, else those of every running proxy.
/// </summary>
public sealed class UpstreamNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var proxies = ResolveProxy(fakeBoundParameters?["Proxy"]) is { } one ? [one] : NetDriftSession.RunningProxies;
        return CompletionText.Complete(wordToComplete, proxies.SelectMany(p => p.Pool.All.Select(u =>
            (u.Name, $"{u.Name} on {p.Name}: {u.Config.Url.Redacted}, weight {u.Config.Weight}, {u.Health}"))));
    }

    private static ProxyServer? ResolveProxy(object? proxy) => (proxy is PSObject wrapped ? wrapped.BaseObject : proxy) switch
    {
        ProxyInfo info => info.Server,
        ProxyServer server => server,
        string name => NetDriftSession.FindProxy(name),
        _ => null,
    };
}
