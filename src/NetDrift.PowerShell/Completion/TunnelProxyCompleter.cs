using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Completion;

/// <summary>Test-NetDriftTunnel -Proxy: the names of running NetDrift and faulty proxies (it tunnels through either).</summary>
public sealed class TunnelProxyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Complete(wordToComplete,
            NetDriftSession.RunningProxies.Select(p => (p.Name, $"{p.Name} ({p.Url}, NetDrift proxy)"))
                .Concat(NetDriftSession.RunningFaultyProxies.Select(p => (p.Name, $"{p.Name} ({p.Url}, faulty proxy: {p.Fault})"))));
}
