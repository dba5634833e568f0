using System.Management.Automation;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// A cmdlet's wildcard filter parameter (-Name, -User, -Upstream, -Target): no filter matches
/// everything; a filter matches when any of its patterns does, and never a field that is not set.
/// </summary>
internal sealed class WildcardFilter
{
    private readonly WildcardPattern[]? _patterns;

    public WildcardFilter(string[]? values, WildcardOptions options = WildcardOptions.IgnoreCase) =>
        _patterns = values?.Select(v => new WildcardPattern(v, options)).ToArray();

    public bool Matches(string? value) => _patterns is null || (value is not null && _patterns.Any(p => p.IsMatch(value)));
}
