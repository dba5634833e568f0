using System.Management.Automation;

namespace NetDrift.PowerShell.Completion;

/// <summary>Matching a typed prefix and quoting a completion the way PowerShell's own completers do.</summary>
internal static class CompletionText
{
    private static readonly char[] NeedsQuotes = [' ', '\t', '\'', '"', '`', '$', '(', ')', '{', '}', '[', ']', ';', ',', '|', '&', '@', '#', '<', '>'];

    /// <summary>Completions for <paramref name="candidates"/> (value, tooltip) that start with what was typed, each once, sorted.</summary>
    public static IEnumerable<CompletionResult> Complete(string? wordToComplete, IEnumerable<(string Value, string ToolTip)> candidates)
    {
        var typed = wordToComplete ?? "";
        var quote = typed.Length > 0 && typed[0] is '\'' or '"' ? typed[0] : '\0';
        var prefix = quote == '\0' ? typed : typed.Trim(quote);
        var pattern = new WildcardPattern(WildcardPattern.Escape(prefix) + "*", WildcardOptions.IgnoreCase);
        return candidates
            .Where(c => pattern.IsMatch(c.Value))
            .GroupBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c.Value, quote), c.Value, CompletionResultType.ParameterValue, c.ToolTip));
    }

    /// <summary>The value as PowerShell must read it back: quoted when it holds a space or a special character.</summary>
    public static string Quote(string value, char quote = '\0')
    {
        if (quote == '"')
        {
            return '"' + value.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + '"';
        }
        if (quote == '\'' || value.IndexOfAny(NeedsQuotes) >= 0)
        {
            return "'" + value.Replace("'", "''") + "'";
        }
        return value;
    }
}
