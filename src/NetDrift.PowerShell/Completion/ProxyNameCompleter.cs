using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Completion;

/// <summary>Completes the names of the NetDrift proxies running in this session (-Name, -Proxy).</summary>
public sealed class ProxyNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Complete(wordToComplete, NetDriftSession.RunningProxies.Select(p => (p.Name, $"{p.Name} ({p.Url}, {p.State})")));
}
