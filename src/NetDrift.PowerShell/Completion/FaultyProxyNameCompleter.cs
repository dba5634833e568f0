using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Completion;

/// <summary>Completes the names of the faulty proxies running in this session.</summary>
public sealed class FaultyProxyNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Complete(wordToComplete, NetDriftSession.RunningFaultyProxies.Select(p => (p.Name, $"{p.Name} ({p.Fault}, {p.Url})")));
}
