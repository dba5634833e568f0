using System.Management.Automation;

namespace NetDrift.PowerShell.Commands;

/// <summary>Builds ErrorRecords with a stable id, a fitting category and the offending object.</summary>
internal static class CmdletErrors
{
    public static ErrorRecord Record(string id, ErrorCategory category, object? target, string message, Exception? inner = null) =>
        new(new InvalidOperationException(message, inner), id, category, target);

    public static ErrorRecord Record(Exception exception, string id, ErrorCategory category, object? target) =>
        new(exception, id, category, target);
}
